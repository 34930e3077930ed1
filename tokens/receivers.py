"""
Keep sessions in step with their users, whatever changed the user.

A deactivated user's sessions are revoked (policy REVOKE_ON_DEACTIVATION) or at
least re-checked against the database; a deleted user's sessions go with the
row (CASCADE), and their cached answers are overwritten first.

A changed password is seen at the model level, whatever code saved it (an API,
the admin's form, ``changepassword``, ``set_password()`` in a shell, another
package's view), and revokes by REVOKE_ON_PASSWORD_CHANGE. Each user instance
remembers the hash it was loaded with; after a save, a different hash is a
change, unless it is Django upgrading the hash of the same password on sign-in.
``QuerySet.update(password=...)`` saves no instance and is not seen.
"""

import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import (
    UNUSABLE_PASSWORD_PREFIX,
    get_hasher,
    identify_hasher,
)
from django.db import transaction
from django.db.models.signals import post_init, post_save, pre_delete
from django.dispatch import receiver

from tokens.app_settings import app_settings
from tokens.models import RevocationReason, Session
from tokens.revocation import outbox, sessions_mark_revoked
from tokens.ssf import emit

LOADED_HASH = "_tokens_loaded_password"


@receiver(post_init, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens_user_loaded")
def user_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A deferred password is not in __dict__; then only set_password() is seen.
    instance.__dict__[LOADED_HASH] = instance.__dict__.get("password")


@receiver(
    post_save,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="tokens_user_password_saved",
)
def user_password_saved(
    sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any
) -> None:
    update_fields = kwargs.get("update_fields")
    written = update_fields is None or "password" in update_fields
    changed = written and not created and not raw and password_changed(instance)
    instance.__dict__[LOADED_HASH] = instance.__dict__.get("password")
    if changed:
        from tokens import services

        services.sessions_on_password_saved(user=instance)


def password_changed(user: Any) -> bool:
    """Whether *user*, about to be saved, carries a new password."""
    # set_password() keeps the raw password in _password until the save, and
    # Django's hash upgrade on sign-in clears it first ("Password hash upgrades
    # shouldn't be considered password changes", AbstractBaseUser.check_password).
    if getattr(user, "_password", None) is not None:
        return True
    old, new = user.__dict__.get(LOADED_HASH), user.__dict__.get("password")
    if old is None or old == new:
        return False
    return not is_hash_upgrade(old, new)


def is_hash_upgrade(old: str, new: str) -> bool:
    """
    Whether *new* looks like Django's upgrade of *old*, the same password: *old*
    was a usable hash the preferred hasher would replace, *new* is that hasher's.
    A hash assigned directly (``user.password = make_password(...)``) over an
    outdated one is taken for an upgrade too; ``set_password()`` never is.
    """
    if old.startswith(UNUSABLE_PASSWORD_PREFIX) or new.startswith(
        UNUSABLE_PASSWORD_PREFIX
    ):
        return False
    try:
        old_hasher, new_hasher = identify_hasher(old), identify_hasher(new)
    except ValueError:
        return False
    preferred = get_hasher()
    if new_hasher.algorithm != preferred.algorithm:
        return False
    return old_hasher.algorithm != preferred.algorithm or preferred.must_update(old)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens_user_saved")
def user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created or getattr(instance, "is_active", True):
        return
    from tokens import services

    if app_settings.REVOKE_ON_DEACTIVATION:
        services.user_sessions_revoke(
            user=instance, reason=RevocationReason.USER_DEACTIVATED
        )
    else:
        services.user_sessions_forget(user=instance)
        # This site refuses them (the user is inactive); so must receivers.
        emit.sessions_revoked(_unrevoked(instance), RevocationReason.USER_DEACTIVATED)


@receiver(
    pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens_user_deleted"
)
def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    ids = list(
        Session.objects.filter(user=instance).unrevoked().values_list("pk", flat=True)
    )
    if ids:
        # The rows go with the user (CASCADE); their tombstones are kept in the
        # same transaction, so a cache that misses them cannot forget them.
        outbox.add(ids)
        emit.sessions_revoked([(sid, instance.pk) for sid in ids], "user_deleted")
        transaction.on_commit(
            lambda: sessions_mark_revoked(ids, committed_at=time.monotonic())
        )


def _unrevoked(user: Any) -> Iterator[tuple[Any, Any]]:
    # Lazy: with security events off, no query runs.
    ids = Session.objects.filter(user=user).unrevoked().values_list("pk", flat=True)
    return ((sid, user.pk) for sid in ids)
