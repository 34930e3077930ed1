"""The user of a session the cache vouched for, loaded only when needed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed


class SessionUser(SimpleLazyObject):
    """
    The user of a cached session, loaded from the database only when needed.

    Answers ``pk``, ``id`` and the authentication flags without a query (the
    cache vouches that the user is active); any other attribute loads the user.
    A user row gone since (deleted outside the ORM) is a 401, never a 500.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True

    # LazyObject's __getattribute__ runs in Python on every attribute read, to
    # hide its proxy methods from hasattr() when the wrapped object lacks them
    # (a user has none of them). A view reads a loaded user's fields dozens of
    # times a request: 1.1 µs a read through it, 0.56 µs without it.
    __getattribute__ = object.__getattribute__

    def __init__(self, pk: Any) -> None:
        super().__init__(lambda: _load_user(pk))
        self.__dict__["_user_pk"] = pk

    @property
    def pk(self) -> Any:
        # The cache holds text; the pk has its field's type, resolved on use.
        raw = self.__dict__["_user_pk"]
        if isinstance(raw, str):
            raw = self.__dict__["_user_pk"] = get_user_model()._meta.pk.to_python(raw)
        return raw

    id = pk

    def __bool__(self) -> bool:
        return True


def _load_user(pk: Any) -> Any:
    # get(), not filter().first(): first() orders by the key, and compiling
    # that ORDER BY costs more than the rest of the query's compilation.
    User = get_user_model()
    try:
        return User._default_manager.get(pk=pk)
    except User.DoesNotExist:
        raise AuthenticationFailed(
            _("User not found."), code="user_not_found"
        ) from None
