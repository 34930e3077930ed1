"""Account-side reactions to model events."""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_user_saved"
)
def user_created(sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any):
    """Give every new user a profile, however the user was made."""
    # Fixtures (raw) carry their own profiles.
    if created and not raw:
        from accounts.services import profile_create

        profile_create(user=instance)
