"""The site's sign-in serializer, written for SimpleJWT: it adds a claim."""

from rest_framework_simplejwt.serializers import TokenObtainPairSerializer


class TeamSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["team"] = "blue"
        return token
