from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import normalize_email

# User ids are random integers of 16 decimal digits, all below 2**53 so that a
# JavaScript client reads them exactly. Sequential ids would let anyone who
# registers twice in a row count the accounts created in between, and would
# make the id in a duplicate registration's answer impossible to fake.
USER_ID_MIN = 2**52
USER_ID_MAX = 2**53 - 1


def new_user_id() -> int:
    """Return a fresh random user id (a collision is an IntegrityError on insert)."""
    return USER_ID_MIN + secrets.randbelow(USER_ID_MAX - USER_ID_MIN + 1)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        # A malformed address names no account; ModelBackend then still runs
        # the hasher, so the answer takes as long as for a wrong password.
        try:
            return self.get(email=normalize_email(email))
        except ValidationError:
            raise self.model.DoesNotExist from None

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        # Whoever runs createsuperuser vouches for the address.
        extra.setdefault("email_verified", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """
    A user who signs in with an email address.

    ``display_name`` lives here, not on the profile: it is the account's name
    (``get_full_name``, the admin, the password similarity check) and the
    profile API shows and edits this one field.
    """

    id = models.BigIntegerField(
        _("id"), primary_key=True, default=new_user_id, editable=False
    )
    email = models.EmailField(_("email address"), unique=True)
    email_verified = models.BooleanField(
        _("email verified"),
        default=False,
        help_text=_("Whether the owner followed the link mailed to this address."),
    )
    pending_email = models.EmailField(
        _("new email address"),
        blank=True,
        help_text=_("An address change waiting for its verification link."),
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # The application stores emails normalised; the database makes sure.
            models.UniqueConstraint(
                Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("private")


class ProfileQuerySet(models.QuerySet):
    def listed(self) -> ProfileQuerySet:
        """Profiles anyone signed in may see: public, of an active account."""
        return self.filter(visibility=Visibility.PUBLIC, user__is_active=True)


class ProfileManager(models.Manager.from_queryset(ProfileQuerySet)):
    use_in_migrations = True


class Profile(models.Model):
    """
    A user's public face. Each user has one, created with the account; its
    primary key is the user's id, so ``/api/profiles/{id}/`` names the user.

    Profiles are private until their owner makes them public (privacy by
    default), which also keeps a new account from being visible to others.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("user"),
    )
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileManager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user_id)

    @property
    def is_listed(self) -> bool:
        """Whether every signed-in user may see it (needs ``user`` loaded)."""
        return self.visibility == Visibility.PUBLIC and self.user.is_active
