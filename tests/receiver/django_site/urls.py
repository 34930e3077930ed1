import sys

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens_receiver.django import push_view


class Me(APIView):
    def get(self, request):
        return Response(
            {
                "pk": request.user.pk,
                "user": type(request.user).__name__,
                "sid": request.auth["sid"],
                # This site runs without the tokens app, nor the demo project.
                "imported": sorted(
                    m for m in ("tokens", "accounts", "config") if m in sys.modules
                ),
            }
        )


urlpatterns = [
    path("me/", Me.as_view()),
    path("ssf/events", push_view),
]
