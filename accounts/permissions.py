"""
Object-level permissions of the profile API.

They ask the cheap questions first: a profile's owner is recognised by
``request.user.pk``, which the cached authentication answers without loading
the user; only when that is not enough is ``is_staff`` read (one query).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission


def is_owner(request: Any, profile: Any) -> bool:
    return profile.user_id == request.user.pk


class CanViewProfile(BasePermission):
    """
    Public profiles of active accounts for every signed-in user; the others
    for their owner and staff only. Anyone else gets 404, not 403: a private
    profile is not admitted to exist.
    """

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if obj.is_listed or is_owner(request, obj) or request.user.is_staff:
            return True
        raise NotFound()


class IsOwnerOrStaff(BasePermission):
    """The profile's owner or a staff member."""

    message = "You may only change your own profile."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return is_owner(request, obj) or bool(request.user.is_staff)


class IsStaff(BasePermission):
    """Staff members only (checked on the object, after visibility)."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return bool(request.user.is_staff)
