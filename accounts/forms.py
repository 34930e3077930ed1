"""Admin forms for the email user: the address is normalised and unique."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.emails import normalize_email
from accounts.models import User


class EmailCleanMixin:
    """Store the canonical address; refuse one another account has."""

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        others = User.objects.filter(email=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("An account with this email address already exists."), code="unique"
            )
        return email


class UserCreationForm(EmailCleanMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")
        field_classes = {"email": forms.EmailField}


class UserChangeForm(EmailCleanMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": forms.EmailField}
