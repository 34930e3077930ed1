"""
The business logic of accounts and profiles.

Views, the admin and receivers call these functions; nothing else changes an
account. They raise Django's ``ValidationError`` keyed by the API field it
concerns (the API edge turns it into DRF's 400 shape). Session consequences
(password change and reset) go through ``tokens.services``; deactivation
reaches the ``tokens`` app through its ``post_save`` receiver.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.app_settings import app_settings
from accounts.emails import normalize_email
from accounts.mail import Deferred, Outbox, mail_build, mail_queue
from accounts.models import USER_ID_MAX, Profile, User, new_user_id
from accounts.tokens import email_verification_token
from tokens.services import password_change_origin

logger = logging.getLogger(__name__)

# The owner of an address is told of attempts to register it again at most
# once in this many seconds, so that registration cannot flood a mailbox.
REGISTRATION_NOTICE_INTERVAL = 60 * 60
INSERT_ATTEMPTS = 3

EMAIL_TAKEN = _("An account with this email address already exists.")
PASSWORD_INCORRECT = _("Your password was entered incorrectly.")
RESET_LINK_INVALID = _("This password reset link is invalid or has expired.")
VERIFY_LINK_INVALID = _("This verification link is invalid or has expired.")


@dataclass(frozen=True)
class Registration:
    """What the API answers to a registration: the same shape in every case."""

    id: int
    email: str


# Registration ------------------------------------------------------------------


def user_register(
    *, email: str, password: str, display_name: str = "", outbox: Outbox | None = None
) -> Registration:
    """
    Create an account for *email*, or answer exactly as if one were created.

    For an address that already has an account (active or not, verified or
    not) nothing is created: the answer carries a fresh random id that names no
    user (ids are random, so it looks like any new one), and the owner is sent
    a notice instead of the welcome mail. Both paths validate and hash the
    password once, keep the same claim, and enqueue the same task with the
    same arguments (``accounts.tasks.registration_mail``), after the response;
    the task, in the worker, decides which mail to send. Neither the answer
    nor the work left on the request's worker tells whether an address is
    registered.

    Unless ``ACCOUNTS_EMAIL_VERIFICATION`` is ``none``, a new account is sent
    a verification link instead of the welcome mail. In ``mandatory`` mode both
    paths also leave a *registration claim* (the password's hash, for the
    link's lifetime), so that signing in with the password just registered is
    refused alike, "email not verified", whether the account is new or the
    address was already taken (see ``accounts.backends``). In the other modes
    whoever registers an address can then sign in with the password they chose
    only if the account was new, which tells (see the README, "Accounts").
    """
    from accounts.tasks import registration_mail

    email = _email_normalize(email)
    user = User(email=email, display_name=display_name)
    _password_validate(password, user=user, field="password")
    user.set_password(password)
    registration = _registration_save(user)
    _registration_claim_keep(email, user.password)
    kwargs = {"user_id": registration.id, "email": email}
    mail_queue(message=Deferred(task=registration_mail, kwargs=kwargs), outbox=outbox)
    return registration


def _registration_save(user: User) -> Registration:
    """Insert *user*, or answer with an id naming nobody if the address is taken."""
    for attempt in range(INSERT_ATTEMPTS):
        if _email_registered(user.email):
            return Registration(id=new_user_id(), email=user.email)
        user.pk = new_user_id()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            # Either a concurrent registration of the same address (the next
            # check answers it) or, about never, a random id already taken.
            if attempt == INSERT_ATTEMPTS - 1:
                raise
            continue
        return Registration(id=user.pk, email=user.email)
    raise AssertionError("unreachable")  # pragma: no cover


def registration_mail_send(*, user_id: int, email: str) -> None:
    """
    Send what a registration of *email* calls for (the task): the new account
    *user_id* its verification link or welcome; or, if *user_id* names no
    account of that address (the address was taken), its owner a notice.
    """
    user = User.objects.filter(pk=user_id, email=email, is_active=True).first()
    if user is None:
        if _registration_notice_due(email):
            context = {"email": email}
            mail_build(to=email, template="registration_notice", context=context).send()
        return
    if app_settings.verification_off:
        mail_build(to=email, template="welcome", context={"user": user}).send()
    else:
        email_verification_mail_send(user_id=user.pk, address=email, change=False)


def _email_registered(email: str) -> bool:
    return User.objects.filter(email=email).exists()


def _registration_notice_due(email: str) -> bool:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    try:
        return cache.add(
            f"accounts:registration-notice:{digest}",
            True,
            timeout=REGISTRATION_NOTICE_INTERVAL,
        )
    except Exception:
        logger.warning("cache unreachable; sending the registration notice")
        return True


def _claim_key(email: str) -> str:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"accounts:registration-claim:{digest}"


def _registration_claim_keep(email: str, password_hash: str) -> None:
    if not app_settings.verification_mandatory:
        return
    timeout = int(app_settings.EMAIL_VERIFICATION_TIMEOUT.total_seconds())
    try:
        cache.set(_claim_key(email), password_hash, timeout=timeout)
    except Exception:
        logger.warning("cache unreachable; registration claim not kept")


def registration_claim_matches(*, email: str, password: str) -> bool:
    """
    Whether *password* is the one a recent registration of *email* chose.

    The hasher runs whenever a claim exists, matching or not, so that a new
    account and a taken address cost the same at sign-in.
    """
    try:
        email = normalize_email(email)
        claimed = cache.get(_claim_key(email))
    except ValidationError:
        return False
    except Exception:
        logger.warning("cache unreachable; registration claim not read")
        return False
    return bool(claimed) and check_password(password, claimed)


# Email verification -------------------------------------------------------------


def _verification_message(user: User, *, address: str, change: bool = False):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    context = {
        "user": user,
        "address": address,
        "change": change,
        "mandatory": app_settings.verification_mandatory,
        "verify_url": app_settings.FRONTEND_VERIFY_URL.format(uid=uid, token=token),
        "timeout_days": app_settings.EMAIL_VERIFICATION_TIMEOUT.days,
    }
    return mail_build(to=address, template="email_verification", context=context)


def _verification_deferred(user: User, *, address: str, change: bool = False):
    from accounts.tasks import email_verification_mail

    kwargs = {"user_id": user.pk, "address": address, "change": change}
    return Deferred(task=email_verification_mail, kwargs=kwargs)


def email_verification_mail_send(*, user_id: int, address: str, change: bool) -> None:
    """
    Send the verification link of *address* (the task), unless the account no
    longer waits for one (it was verified, or its address changed meanwhile)
    or the address of a change belongs to another account.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    waiting = user.pending_email if change and user.pending_email else user.email
    if waiting != address or (user.email_verified and not user.pending_email):
        return
    # A change to an address another account has gets no link: the request
    # answered as for a free address, and the owner of this one asked nothing.
    if change and User.objects.filter(email=address).exclude(pk=user.pk).exists():
        return
    _verification_message(user, address=address, change=change).send()


def email_verification_resend(*, email: str, outbox: Outbox | None = None) -> None:
    """
    Have a fresh verification link mailed to *email* if an active account has
    it unverified; otherwise nothing is sent.

    The request does the same work for every address: it enqueues the task
    that looks the account up (``accounts.tasks.email_verification_resend_mail``),
    as a password reset does, so neither the answer nor the next request on
    the same worker tells whether the address has an account, or its state.
    """
    from accounts.tasks import email_verification_resend_mail

    try:
        email = normalize_email(email)
    except ValidationError:
        return
    deferred = Deferred(task=email_verification_resend_mail, kwargs={"email": email})
    mail_queue(message=deferred, outbox=outbox)


def email_verification_resend_send(*, email: str) -> None:
    """Send a new link to *email* if its active account is unverified (the task)."""
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or user.email_verified:
        return
    _verification_message(user, address=email).send()


def email_verification_confirm(
    *, uid: str, token: str, outbox: Outbox | None = None
) -> User:
    """
    Follow a verification link: mark the address verified or, for a pending
    change, make the new address the account's. The link then stops working
    (its hash covers the state it changes) and expires after
    ``ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT`` anyway.
    """
    with transaction.atomic():
        # A verification link names its user as a reset link does.
        user = _password_reset_user(uid)
        if user is None or not email_verification_token.check_token(user, token):
            raise _field_error("token", VERIFY_LINK_INVALID, "invalid")
        fields = ["email_verified"]
        if user.pending_email:
            old_email = user.email
            user.email = _email_available(user.pending_email, user)
            user.pending_email = ""
            fields += ["email", "pending_email"]
        user.email_verified = True
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError as exc:
            raise _field_error("email", EMAIL_TAKEN, "unique") from exc
        if "email" in fields:
            _email_changed_notify(old_email, user.email, outbox)
    return user


# The signed-in user's account ---------------------------------------------------


def user_update(
    *,
    user: User,
    email: str | None = None,
    display_name: str | None = None,
    current_password: str | None = None,
    outbox: Outbox | None = None,
) -> User:
    """
    Change *user*'s display name and/or ask to change their email address.

    A new email address needs *current_password*: a stolen access token alone
    must not be enough to take the account over. In every verification mode
    it waits in ``pending_email`` until the link mailed to it is followed, and
    the old address is told. The answer and the work are the same whether or
    not another account has the address: the request does not look, the task
    that mails the link does (``email_verification_mail_send``) and sends
    nothing to an address already taken, so changing one's email cannot be
    used to find out which addresses have accounts.
    """
    changed: list[str] = []
    old_email = user.email
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        changed.append("display_name")
    new_email = _email_normalize(email) if email is not None else user.email
    if new_email != user.email:
        _password_check(user, current_password, field="current_password")
        user.pending_email = new_email
        changed.append("pending_email")
    if not changed:
        return user
    user.save(update_fields=changed)
    if "pending_email" in changed:
        _email_change_mail(user, old_email, new_email, outbox)
    return user


def _email_change_mail(
    user: User, old_email: str, new_email: str, outbox: Outbox | None
) -> None:
    _email_changed_notify(old_email, new_email, outbox, pending=True)
    message = _verification_deferred(user, address=new_email, change=True)
    mail_queue(message=message, outbox=outbox)


def _email_available(email: str, user: User) -> str:
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        raise _field_error("email", EMAIL_TAKEN, "unique")
    return email


def _email_changed_notify(
    old: str, new: str, outbox: Outbox | None, *, pending: bool = False
) -> None:
    context = {"old_email": old, "new_email": new, "pending": pending}
    message = mail_build(to=old, template="email_changed", context=context)
    mail_queue(message=message, outbox=outbox)


def user_change_password(
    *,
    user: User,
    current_password: str,
    new_password: str,
    current_session_id: object = None,
) -> None:
    """
    Set *user*'s password after checking the current one, then apply the
    sessions policy (``REVOKE_ON_PASSWORD_CHANGE``): by default every session
    but *current_session_id* is revoked. Outstanding reset links die with the
    old password hash.
    """
    _password_check(user, current_password, field="current_password")
    _password_validate(new_password, user=user, field="new_password")
    # The tokens app sees the saved change and applies the policy; it learns
    # here which session made it.
    with (
        transaction.atomic(),
        password_change_origin(user=user, current_session_id=current_session_id),
    ):
        user.set_password(new_password)
        user.save(update_fields=["password"])


def user_deactivate(*, user: User, password: str) -> None:
    """
    Deactivate *user* after checking their password. The ``tokens`` app's
    receiver revokes their sessions; the profile stops being listed.
    """
    _password_check(user, password, field="password")
    user.is_active = False
    user.save(update_fields=["is_active"])


# Password reset -----------------------------------------------------------------


def password_reset_request(*, email: str, outbox: Outbox | None = None) -> None:
    """
    Have a single-use reset link mailed to *email* if an active account with a
    usable password has it; otherwise nothing is sent.

    The request does the same work for every address: it enqueues the task
    that looks the account up (``accounts.tasks.password_reset_mail``), after
    the response when an outbox is given. Neither the answer nor the next
    request on the same worker can then tell whether the account exists.
    """
    from accounts.tasks import password_reset_mail

    try:
        email = normalize_email(email)
    except ValidationError:
        return
    deferred = Deferred(task=password_reset_mail, kwargs={"email": email})
    mail_queue(message=deferred, outbox=outbox)


def password_reset_mail_send(*, email: str) -> None:
    """Send the reset link of *email*'s account, if it can be reset (the task)."""
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    _password_reset_message(user).send()


def _password_reset_message(user: User):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "reset_url": settings.FRONTEND_RESET_URL.format(uid=uid, token=token),
        "timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    return mail_build(to=user.email, template="password_reset", context=context)


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """
    Set a new password through a reset link, then apply
    ``REVOKE_ON_PASSWORD_RESET`` (by default every session is revoked).

    The token (Django's ``default_token_generator``) expires after
    ``PASSWORD_RESET_TIMEOUT`` and dies with any change of the password hash,
    email or last login, so it works once. The user row is locked while it is
    checked and used, so two concurrent uses of one link cannot both succeed.
    """
    with transaction.atomic():
        user = _password_reset_user(uid)
        if user is None or not default_token_generator.check_token(user, token):
            raise _field_error("token", RESET_LINK_INVALID, "invalid")
        _password_validate(new_password, user=user, field="new_password")
        with password_change_origin(user=user, reset=True):
            user.set_password(new_password)
            user.save(update_fields=["password"])
    return user


def _password_reset_user(uid: str) -> User | None:
    """Return the active user a reset link's *uid* names, locked, or None."""
    try:
        raw = urlsafe_base64_decode(uid).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    # Anything but a user id in range names nobody, and must not reach the
    # database (a 30-digit number overflows its integer column).
    if not raw.isdigit() or len(raw) > len(str(USER_ID_MAX)):
        return None
    return User.objects.select_for_update().filter(pk=int(raw), is_active=True).first()


# Profiles -----------------------------------------------------------------------


def profile_create(*, user: User) -> Profile:
    """Create *user*'s (private, empty) profile."""
    return Profile.objects.create(user=user)


def profile_update(
    *,
    profile: Profile,
    display_name: str | None = None,
    bio: str | None = None,
    location: str | None = None,
    website: str | None = None,
    visibility: str | None = None,
) -> Profile:
    """Change the given fields of *profile*; ``display_name`` is its user's."""
    values = {
        "bio": bio,
        "location": location,
        "website": website,
        "visibility": visibility,
    }
    changed = [name for name, value in values.items() if value is not None]
    for name in changed:
        setattr(profile, name, values[name])
    renamed = display_name is not None and display_name != profile.user.display_name
    if renamed:
        profile.user.display_name = display_name
    # Two rows change together or not at all; one row needs no transaction.
    with transaction.atomic() if changed and renamed else nullcontext():
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])
        if renamed:
            profile.user.save(update_fields=["display_name"])
    return profile


def profile_delete(*, profile: Profile) -> None:
    """Delete *profile* (moderation); the account itself stays."""
    profile.delete()


# Helpers ------------------------------------------------------------------------


def _email_normalize(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from exc


def _password_validate(password: str, *, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc


def _password_check(user: User, password: str | None, *, field: str) -> None:
    if not password:
        raise _field_error(field, _("This field is required."), "required")
    # check_password also upgrades an old hash, as a sign-in does.
    if not user.check_password(password):
        raise _field_error(field, PASSWORD_INCORRECT, "password_incorrect")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})
