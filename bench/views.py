"""One small view, mounted once per authentication class under test."""

from django.http import HttpRequest, JsonResponse
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class Ping(APIView):
    """Answer the caller's user id: the same work whatever authenticated it."""

    permission_classes = [IsAuthenticated]
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True, "user": request.user.pk})


def ping(*authentication_classes: type):
    """Return the view behind *authentication_classes* (none: anonymous)."""
    if not authentication_classes:
        return Ping.as_view(authentication_classes=[], permission_classes=[AllowAny])
    return Ping.as_view(authentication_classes=list(authentication_classes))


def local_copy(request: HttpRequest) -> JsonResponse:
    """How many sessions this process holds in memory, and how often it dropped them."""
    from tokens.revocation import get_state

    state = get_state()
    return JsonResponse(
        {
            "local": len(getattr(state, "local", ())),
            "drops": getattr(state, "stats", {}).get("drops", 0),
        }
    )
