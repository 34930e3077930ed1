"""
OpenAPI description of the ``tokens`` authentications, for drf-spectacular:
users' access tokens, and resource servers' client credentials.

drf-spectacular knows SimpleJWT's ``JWTAuthentication`` but not subclasses of
it; without this every authenticated endpoint is documented without security
and schema generation warns. Loaded by ``TokensConfig.ready()`` when
drf-spectacular is installed (it is optional for this app).
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class SessionJWTScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tokens.authentication.SessionJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
        )


class ResourceServerScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tokens.resource_servers.ResourceServerAuthentication"
    name = "resourceServerBasic"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "A registered resource server's client_id and "
            "client_secret (client_secret_basic); the form fields client_id and "
            "client_secret do as well (client_secret_post).",
        }
