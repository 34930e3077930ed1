"""SimpleJWT's public token API on tokens.tokens, with sessions underneath."""

import json
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from rest_framework_simplejwt import serializers as simplejwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from tests.tokens.craft import claims_of, hs_header, sign_hs256
from tokens.exceptions import SessionInvalid
from tokens.models import RefreshTokenRecord, Session
from tokens.serializers import TokenObtainPairSerializer
from tokens.tokens import AccessToken, RefreshToken, ReservedClaimError, UntypedToken

SESSIONS_URL = "/api/auth/sessions/"
REFRESH_URL = "/api/auth/token/refresh/"


class RoleClaimSerializer(TokenObtainPairSerializer):
    """A site's serializer adding claims, in SimpleJWT's idiom."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["role"] = "editor"
        token["profile"] = {"b": 2, "a": [1, {"z": 0, "y": 1}]}
        return token


class SimpleJWTClaimSerializer(simplejwt_serializers.TokenObtainPairSerializer):
    """SimpleJWT's documented claim override, written for SimpleJWT."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["name"] = "Ada"
        return token


def test_refresh_for_user_starts_a_session_whose_access_token_works(
    user, api_client, bearer
):
    """RefreshToken.for_user(user).access_token authenticates requests."""
    refresh = RefreshToken.for_user(user)
    session = Session.objects.get(user=user)
    assert refresh.session_id == session.pk
    assert RefreshTokenRecord.objects.get(session=session).jti == refresh.jti
    access = refresh.access_token
    assert access["sid"] == str(session.pk)
    response = api_client.get(SESSIONS_URL, **bearer(str(access)))
    assert response.status_code == HTTPStatus.OK


def test_refresh_for_user_rotates_through_the_api(user, api_client):
    refresh = RefreshToken.for_user(user)
    response = api_client.post(REFRESH_URL, {"refresh": str(refresh)}, format="json")
    assert response.status_code == HTTPStatus.OK


def test_access_for_user_starts_a_new_session(user, api_client, bearer):
    """Tests that mint AccessToken.for_user(user) get a working token."""
    access = AccessToken.for_user(user)
    assert Session.objects.filter(user=user).count() == 1
    response = api_client.get(SESSIONS_URL, **bearer(str(access)))
    assert response.status_code == HTTPStatus.OK
    assert AccessToken.for_user(user)["sid"] != access["sid"]


def test_user_id_claim_reads_sub(user):
    token = AccessToken.for_user(user)
    assert token["user_id"] == str(user.pk) == token.get("user_id")
    assert "user_id" in token and "user_id" not in token.payload


@pytest.mark.parametrize(
    "claim", ["iss", "aud", "sub", "sid", "jti", "exp", "iat", "nbf", "token_type"]
)
def test_reserved_claims_cannot_be_set(user, claim):
    token = RefreshToken.for_user(user)
    with pytest.raises(ReservedClaimError, match=f"'{claim}' is minted and verified"):
        token[claim] = "x"
    with pytest.raises(ReservedClaimError):
        del token[claim]


class LongerLifetimeSerializer(TokenObtainPairSerializer):
    """A site's get_token stretching the refresh token with SimpleJWT's set_exp."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token.set_exp(lifetime=timedelta(days=365))
        return token


def test_set_exp_in_get_token_is_refused_like_setting_exp(user):
    """set_exp() writes the payload directly; the reserved-claim guard sees it."""
    with pytest.raises(ReservedClaimError, match="'exp' is minted and verified"):
        LongerLifetimeSerializer.get_token(user)


@pytest.mark.parametrize(
    "setter",
    [
        pytest.param(lambda t: t.set_exp(lifetime=timedelta(days=30)), id="set_exp"),
        pytest.param(lambda t: t.set_iat(), id="set_iat"),
        pytest.param(lambda t: t.set_jti(), id="set_jti"),
    ],
)
@pytest.mark.parametrize("token_class", [RefreshToken, AccessToken])
def test_simplejwt_claim_setters_cannot_change_a_minted_token(
    user, token_class, setter
):
    token = token_class.for_user(user)
    before = dict(token.payload)
    with pytest.raises(ReservedClaimError):
        setter(token)
    assert token.payload == before


def test_simplejwt_user_id_claim_is_reserved_too(user, settings):
    settings.SIMPLE_JWT = {"USER_ID_CLAIM": "uid"}
    token = RefreshToken.for_user(user)
    with pytest.raises(ReservedClaimError, match="'uid'"):
        token["uid"] = 1


def test_custom_claim_is_in_every_token_of_the_session(user, api_client):
    """A claim set on the refresh token is in its access token and its successors."""
    refresh = RefreshToken.for_user(user)
    refresh["role"] = "editor"
    assert AccessToken(str(refresh.access_token))["role"] == "editor"
    assert RefreshToken(str(refresh))["role"] == "editor"
    rotated = api_client.post(REFRESH_URL, {"refresh": str(refresh)}, format="json")
    body = rotated.json()
    assert RefreshToken(body["refresh"])["role"] == "editor"
    assert AccessToken(body["access"])["role"] == "editor"


def test_custom_claims_survive_the_grace_period_retry_unchanged(user, api_client):
    """The retry's successor is byte for byte the first answer, claims included."""
    refresh = RoleClaimSerializer.get_token(user)
    first = api_client.post(REFRESH_URL, {"refresh": str(refresh)}, format="json")
    retry = api_client.post(REFRESH_URL, {"refresh": str(refresh)}, format="json")
    assert retry.status_code == HTTPStatus.OK
    assert retry.json()["refresh"] == first.json()["refresh"]
    successor = RefreshToken(first.json()["refresh"])
    assert successor["profile"] == {"a": [1, {"y": 1, "z": 0}], "b": 2}


def test_deleting_a_custom_claim_removes_it_from_later_tokens(user):
    refresh = RefreshToken.for_user(user)
    refresh["role"] = "editor"
    del refresh["role"]
    assert "role" not in AccessToken(str(refresh.access_token))
    assert Session.objects.get(user=user).claims == {}


def test_blacklist_revokes_the_session(user, api_client, bearer):
    """RefreshToken(raw).blacklist(), SimpleJWT's logout, revokes the session."""
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    assert RefreshToken(str(refresh)).blacklist() is True
    assert Session.objects.get(user=user).revoked_reason == "logout"
    assert api_client.get(SESSIONS_URL, **bearer(access)).status_code == 401
    assert RefreshToken(str(refresh)).blacklist() is False


def test_check_blacklist_refuses_a_revoked_session(user):
    refresh = RefreshToken.for_user(user)
    RefreshToken(str(refresh)).check_blacklist()
    refresh.blacklist()
    with pytest.raises(SessionInvalid):
        RefreshToken(str(refresh)).check_blacklist()


def test_a_decoded_refresh_token_mints_access_only_for_a_live_session(user):
    refresh = RefreshToken.for_user(user)
    decoded = RefreshToken(str(refresh))
    assert decoded.access_token["sid"] == refresh["sid"]
    refresh.blacklist()
    with pytest.raises(SessionInvalid):
        RefreshToken(str(refresh)).access_token  # noqa: B018


def test_a_token_without_a_session_cannot_be_made(user):
    with pytest.raises(TokenError, match="for_user"):
        RefreshToken()


def test_lifetime_class_attributes_read_the_settings(settings):
    settings.TOKENS = {**settings.TOKENS, "ACCESS_TOKEN_LIFETIME": timedelta(minutes=7)}
    assert AccessToken.lifetime == timedelta(minutes=7)
    assert RefreshToken.lifetime == timedelta(days=1)


def test_untyped_token_reads_either_type(user):
    refresh = RefreshToken.for_user(user)
    assert UntypedToken(str(refresh)).token_type == "refresh"
    assert UntypedToken(str(refresh.access_token)).token_type == "access"


def test_the_obtain_view_honours_token_obtain_serializer(
    settings, user, api_client, login
):
    settings.TOKENS = {
        **settings.TOKENS,
        "TOKEN_OBTAIN_SERIALIZER": f"{__name__}.RoleClaimSerializer",
    }
    pair = login(user)
    assert AccessToken(pair["access"])["role"] == "editor"
    assert RefreshToken(pair["refresh"])["role"] == "editor"


def test_token_obtain_serializer_falls_back_to_simple_jwt(settings, user, login):
    settings.SIMPLE_JWT = {"TOKEN_OBTAIN_SERIALIZER": f"{__name__}.RoleClaimSerializer"}
    assert AccessToken(login(user)["access"])["role"] == "editor"


def test_a_serializer_written_for_simplejwt_adds_its_claims(settings, user, login):
    """SIMPLE_JWT's TOKEN_OBTAIN_SERIALIZER, unchanged, adds claims to sessions."""
    settings.SIMPLE_JWT = {
        "TOKEN_OBTAIN_SERIALIZER": f"{__name__}.SimpleJWTClaimSerializer"
    }
    pair = login(user)
    assert AccessToken(pair["access"])["name"] == "Ada"
    assert Session.objects.get(user=user).claims == {"name": "Ada"}


def test_sign_in_through_get_token_records_the_device(user, api_client):
    api_client.post(
        "/api/auth/token/",
        {"email": user.email, "password": "correct horse battery staple"},
        format="json",
        HTTP_USER_AGENT="Firefox/130.0",
        REMOTE_ADDR="192.0.2.7",
    )
    session = Session.objects.get(user=user)
    assert (session.user_agent, session.ip_address) == ("Firefox/130.0", "192.0.2.7")


def test_sign_in_costs_what_it_did(user, api_client, django_assert_num_queries):
    """Through get_token, sign-in still writes one session and one record."""
    body = {"email": user.email, "password": "correct horse battery staple"}
    # The user, then the session and its first record in one transaction.
    with django_assert_num_queries(5):
        response = api_client.post("/api/auth/token/", body, format="json")
    assert response.status_code == HTTPStatus.OK


def test_missing_refresh_is_a_field_error_as_with_simplejwt(api_client):
    response = api_client.post(REFRESH_URL, {}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"refresh": ["This field is required."]}


def test_missing_refresh_in_cookie_mode_is_a_401(api_client, settings):
    settings.TOKENS = {**settings.TOKENS, "REFRESH_COOKIE": True}
    response = api_client.post(REFRESH_URL, {}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_an_access_token_sent_to_refresh_has_the_wrong_type(user, api_client):
    access = AccessToken.for_user(user)
    response = api_client.post(REFRESH_URL, {"refresh": str(access)}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "detail": "Token has wrong type",
        "code": "token_not_valid",
    }


def test_claims_are_stored_never_the_token(user):
    refresh = RefreshToken.for_user(user)
    refresh["role"] = "editor"
    session = Session.objects.get(user=user)
    stored = str(session.claims) + str(list(RefreshTokenRecord.objects.values_list()))
    assert str(refresh) not in stored and "editor" in stored


def test_long_simplejwt_lifetimes_apply(settings, user):
    settings.TOKENS = {
        k: v for k, v in settings.TOKENS.items() if k != "ACCESS_TOKEN_LIFETIME"
    }
    settings.SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=7)}
    access = AccessToken.for_user(user)
    assert access["exp"] - access["iat"] == 7 * 24 * 3600


def test_a_site_without_throttle_rates_still_throttles_sign_in(
    settings, user, api_client
):
    """The built-in login_account_ip rate (10 failures an hour) applies unset."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    body = {"email": user.email, "password": "wrong"}
    codes = [
        api_client.post("/api/auth/token/", body, format="json").status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]


# Error bodies: SimpleJWT's codes, where a SimpleJWT site's clients read them.

LOGOUT_URL = "/api/auth/logout/"


def simplejwt_refusal(raw: bytes) -> dict:
    """SimpleJWT's own authentication class's refusal of *raw*, as JSON."""
    from rest_framework.renderers import JSONRenderer
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import InvalidToken

    with pytest.raises(InvalidToken) as refused:
        JWTAuthentication().get_validated_token(raw)
    return json.loads(JSONRenderer().render(refused.value.detail))


def test_a_garbage_access_token_is_refused_with_simplejwts_body(api_client, bearer):
    response = api_client.get(SESSIONS_URL, **bearer("not-a-token"))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == simplejwt_refusal(b"not-a-token")
    assert response.json() == {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [
            {
                "token_class": "AccessToken",
                "token_type": "access",
                "message": "Token is invalid",
            }
        ],
    }


def test_an_expired_access_token_says_so_in_simplejwts_messages(
    user, api_client, bearer
):
    claims = claims_of(str(AccessToken.for_user(user)))
    claims["exp"] = int(time.time()) - 3600
    response = api_client.get(SESSIONS_URL, **bearer(sign_hs256(hs_header(), claims)))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["messages"][0]["message"] == "Token is expired"


def test_a_revoked_sessions_access_token_is_token_not_valid(
    user, api_client, bearer, authenticate
):
    """SimpleJWT's code for a revoked token: the one clients refresh or sign in on."""
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    api_client.post(LOGOUT_URL, {"refresh": str(refresh)}, format="json")
    response = api_client.get(SESSIONS_URL, **bearer(access))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "detail": "Session has been revoked or has expired.",
        "code": "token_not_valid",
    }
    with pytest.raises(InvalidToken) as refused:
        authenticate(access)
    assert refused.value.get_codes() == {
        "detail": "token_not_valid",
        "code": "token_not_valid",
    }


def test_refreshing_after_logout_is_token_not_valid(user, api_client):
    """SimpleJWT answers a blacklisted refresh token so."""
    refresh = str(RefreshToken.for_user(user))
    api_client.post(LOGOUT_URL, {"refresh": refresh}, format="json")
    response = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"


def test_every_token_refusal_of_the_views_is_an_invalid_token():
    """No ``authentication_failed``: handlers reading the exception's codes see
    SimpleJWT's; the two rotation events keep their own code in the body."""
    from tokens.exceptions import RefreshTokenReused, TokenAlreadyRotated
    from tokens.views import as_authentication_failed

    for error, body_code in (
        (SessionInvalid(), "token_not_valid"),
        (RefreshTokenReused(), "token_reused"),
        (TokenAlreadyRotated(), "token_already_rotated"),
        (TokenError("Token is invalid"), "token_not_valid"),
    ):
        exc = as_authentication_failed(error)
        assert isinstance(exc, InvalidToken)
        assert exc.default_code == "token_not_valid"
        assert set(exc.get_codes().values()) == {"token_not_valid"}
        assert exc.detail["code"] == body_code
