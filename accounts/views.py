"""The account and profile API: thin views over ``accounts.services``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from accounts import services
from accounts.mail import OutboxResponse
from accounts.models import Profile
from accounts.permissions import CanViewProfile, IsOwnerOrStaff, IsStaff
from accounts.serializers import (
    DeactivateSerializer,
    DetailSerializer,
    EmailVerificationResendSerializer,
    EmailVerifySerializer,
    MeSerializer,
    MeUpdateSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    RegisterSerializer,
    RegistrationSerializer,
)
from accounts.throttles import (
    CurrentPasswordThrottle,
    EmailVerificationAccountThrottle,
    EmailVerificationIPThrottle,
    PasswordResetAccountThrottle,
    PasswordResetIPThrottle,
    RegisterIPThrottle,
)

RESET_REQUESTED = _(
    "If an account with this email address exists, a link to reset its "
    "password has been sent to it."
)

VERIFICATION_SENT = _(
    "If this address has an account that is not verified yet, a new "
    "verification link has been sent to it."
)
VERIFIED = _("Email address verified.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=DetailSerializer, description=description)


E400 = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Invalid input: `{field: [messages]}` for field errors (unknown "
    'fields included), `{"detail": ...}` for a malformed body.',
)
E401 = _error("Missing, invalid, expired or revoked access token.")
E403 = _error("Signed in, but not allowed to do this.")
E404 = _error("No such profile, or not one you may see.")
E413 = _error("Request body larger than 64 KiB.")
E429 = _error("Throttled: retry after the `Retry-After` header's seconds.")


class AccountsAPIView(APIView):
    """Base view: parse with a serializer, call a service, answer."""

    def handle_exception(self, exc: Exception) -> Response:
        # Services raise Django's ValidationError keyed by field; the API
        # answers it in DRF's shape, like a serializer error.
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(as_serializer_error(exc))
        return super().handle_exception(exc)

    def get_validated_data(self, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AnonymousAPIView(AccountsAPIView):
    """An endpoint for signed-out clients: a stale bearer token is ignored."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


# Accounts -----------------------------------------------------------------------


class RegisterView(AnonymousAPIView):
    """
    Create an account.

    An address that already has an account gets the same 201 answer (with an
    id that names no account) and its owner a notice by email, so this
    endpoint does not reveal which addresses are registered.
    """

    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        auth=[],
        request=RegisterSerializer,
        responses={201: RegistrationSerializer, 400: E400, 413: E413, 429: E429},
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(RegisterSerializer)
        outbox: list = []
        registration = services.user_register(**data, outbox=outbox)
        body = RegistrationSerializer(registration).data
        return OutboxResponse(body, status=status.HTTP_201_CREATED, outbox=outbox)


class MeView(AccountsAPIView):
    """The signed-in user's own account."""

    permission_classes = [IsAuthenticated]

    def get_throttles(self) -> list:
        # Changing the email and deactivating check the current password.
        if self.request.method in ("PATCH", "DELETE"):
            return [CurrentPasswordThrottle()]
        return []

    @extend_schema(responses={200: MeSerializer, 401: E401})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        request=MeUpdateSerializer,
        responses={200: MeSerializer, 400: E400, 401: E401, 413: E413, 429: E429},
        description="Change the display name and/or ask to change the email "
        "address (needs `current_password`). The new address waits in "
        "`pending_email` until the link mailed to it is followed; the old address "
        "is told. A taken address gets the same answer, and no link.",
    )
    def patch(self, request: Request) -> Response:
        data = self.get_validated_data(MeUpdateSerializer)
        outbox: list = []
        user = services.user_update(user=request.user, outbox=outbox, **data)
        return OutboxResponse(MeSerializer(user).data, outbox=outbox)

    @extend_schema(
        request=DeactivateSerializer,
        responses={204: None, 400: E400, 401: E401, 413: E413, 429: E429},
        description="Deactivate the account (needs `password`). Every session "
        "is revoked at once; the access token in use is refused from now on.",
    )
    def delete(self, request: Request) -> Response:
        data = self.get_validated_data(DeactivateSerializer)
        services.user_deactivate(user=request.user, password=data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(AccountsAPIView):
    """Change the signed-in user's password; by default other sessions end."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [CurrentPasswordThrottle]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: None, 400: E400, 401: E401, 413: E413, 429: E429},
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(PasswordChangeSerializer)
        services.user_change_password(
            user=request.user, current_session_id=request.auth.session_id, **data
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(AnonymousAPIView):
    """
    Ask for a password reset link by email. The answer is the same, and as
    quick, whether or not the address has an account.
    """

    throttle_classes = [PasswordResetIPThrottle, PasswordResetAccountThrottle]

    @extend_schema(
        auth=[],
        request=PasswordResetRequestSerializer,
        responses={202: DetailSerializer, 400: E400, 413: E413, 429: E429},
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(PasswordResetRequestSerializer)
        outbox: list = []
        services.password_reset_request(email=data["email"], outbox=outbox)
        body = {"detail": RESET_REQUESTED}
        return OutboxResponse(body, status=status.HTTP_202_ACCEPTED, outbox=outbox)


class PasswordResetConfirmView(AnonymousAPIView):
    """Set a new password with the `uid` and `token` of a reset link."""

    throttle_classes = [PasswordResetIPThrottle]

    @extend_schema(
        auth=[],
        request=PasswordResetConfirmSerializer,
        responses={204: None, 400: E400, 413: E413, 429: E429},
        description="The link works once, for PASSWORD_RESET_TIMEOUT (one hour), "
        "and dies with any password change. Every session is then revoked.",
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(PasswordResetConfirmSerializer)
        services.password_reset_confirm(**data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(AnonymousAPIView):
    """Follow an email-verification link: its `uid` and `token`."""

    throttle_classes = [EmailVerificationIPThrottle]

    @extend_schema(
        auth=[],
        request=EmailVerifySerializer,
        responses={200: DetailSerializer, 400: E400, 413: E413, 429: E429},
        description="Marks the address verified, or applies a pending change of "
        "address. The link works once, for ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT "
        "(three days).",
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(EmailVerifySerializer)
        outbox: list = []
        services.email_verification_confirm(**data, outbox=outbox)
        return OutboxResponse({"detail": VERIFIED}, outbox=outbox)


class EmailVerificationResendView(AnonymousAPIView):
    """
    Ask for a new verification link. The answer is the same whether or not the
    address has an account, or is already verified.
    """

    throttle_classes = [EmailVerificationIPThrottle, EmailVerificationAccountThrottle]

    @extend_schema(
        auth=[],
        request=EmailVerificationResendSerializer,
        responses={202: DetailSerializer, 400: E400, 413: E413, 429: E429},
    )
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(EmailVerificationResendSerializer)
        outbox: list = []
        services.email_verification_resend(email=data["email"], outbox=outbox)
        body = {"detail": VERIFICATION_SENT}
        return OutboxResponse(body, status=status.HTTP_202_ACCEPTED, outbox=outbox)


# Profiles -----------------------------------------------------------------------

PROFILE_FIELDS = [
    "bio",
    "location",
    "website",
    "visibility",
    "updated_at",
    "user__display_name",
    "user__is_active",
]


def profiles() -> QuerySet[Profile]:
    """Profiles with exactly what the API shows (never the user's secrets)."""
    return Profile.objects.select_related("user").only(*PROFILE_FIELDS)


class ProfileListView(generics.ListAPIView):
    """Public profiles of active accounts, by display name, paginated."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Profile]:
        return profiles().listed().order_by("user__display_name", "pk")

    @extend_schema(
        responses={
            200: ProfileSerializer(many=True),
            401: E401,
            404: _error("No such page."),
        }
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "id",
            int,
            OpenApiParameter.PATH,
            description="The profile's (and user's) id.",
        )
    ]
)
class ProfileDetailView(AccountsAPIView, generics.GenericAPIView):
    """
    One profile. Reading: public profiles for everyone signed in, others for
    their owner and staff (404 otherwise). Changing: owner or staff (403 for
    others). Deleting: staff only.
    """

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Profile]:
        return profiles()

    def get_object(self) -> Profile:
        # One 404 for "no such profile" and "not yours to see" (CanViewProfile),
        # so that the answers cannot be told apart.
        try:
            profile = self.get_queryset().get(pk=self.kwargs["id"])
        except Profile.DoesNotExist:
            raise NotFound() from None
        self.check_object_permissions(self.request, profile)
        return profile

    def get_permissions(self) -> list[BasePermission]:
        extra = {"PATCH": [IsOwnerOrStaff()], "DELETE": [IsStaff()]}
        return [
            IsAuthenticated(),
            CanViewProfile(),
            *extra.get(self.request.method, []),
        ]

    @extend_schema(responses={200: ProfileSerializer, 401: E401, 404: E404})
    def get(self, request: Request, id: int) -> Response:
        return Response(ProfileSerializer(self.get_object()).data)

    @extend_schema(
        request=ProfileUpdateSerializer,
        responses={
            200: ProfileSerializer,
            400: E400,
            401: E401,
            403: E403,
            404: E404,
            413: E413,
        },
    )
    def patch(self, request: Request, id: int) -> Response:
        profile = self.get_object()
        data = self.get_validated_data(ProfileUpdateSerializer)
        profile = services.profile_update(profile=profile, **data)
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        responses={204: None, 401: E401, 403: E403, 404: E404},
        description="Delete the profile (moderation; staff only). The account stays.",
    )
    def delete(self, request: Request, id: int) -> Response:
        services.profile_delete(profile=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
