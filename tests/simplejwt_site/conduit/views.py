from django.contrib.auth import authenticate
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from conduit.models import Article
from conduit.serializers import ArticleSerializer


def user_payload(user, refresh=None):
    body = {"username": user.username, "email": user.email}
    if refresh is not None:
        refresh["username"] = user.username
        body["token"] = str(refresh.access_token)
        body["refresh"] = str(refresh)
    return {"user": body}


class LoginView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        data = request.data.get("user", {})
        user = authenticate(
            request, username=data.get("username"), password=data.get("password")
        )
        if user is None:
            return Response(
                {"errors": {"credentials": ["invalid"]}},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        return Response(user_payload(user, RefreshToken.for_user(user)))


class CurrentUserView(APIView):
    def get(self, request):
        return Response(user_payload(request.user))


class ArticleListView(generics.ListCreateAPIView):
    serializer_class = ArticleSerializer
    queryset = Article.objects.select_related("author").order_by("id")

    def perform_create(self, serializer):
        serializer.save(author=self.request.user)
