"""
Keep sessions in step with their users, whatever changed the user.

A deactivated user's sessions are revoked (policy REVOKE_ON_DEACTIVATION) or at
least re-checked against the database; a deleted user's sessions go with the
row (CASCADE), and their cached answers are overwritten first.
"""

import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from tokens.app_settings import app_settings
from tokens.models import PendingTombstone, RevocationReason, Session
from tokens.state import sessions_mark_revoked


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
        PendingTombstone.objects.bulk_create(
            [PendingTombstone(session_id=sid) for sid in ids], ignore_conflicts=True
        )
        transaction.on_commit(
            lambda: sessions_mark_revoked(ids, committed_at=time.monotonic())
        )
