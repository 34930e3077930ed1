"""
OpenAPI description of the ``tokens`` authentication, for drf-spectacular.

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
