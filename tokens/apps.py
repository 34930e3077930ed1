from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    label = "tokens"
    verbose_name = _("Revocable tokens")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks (checks_keys: key material, --deploy
        # only; ssf: security events) and the signal receivers.
        from tokens import checks, checks_keys, receivers  # noqa: F401
        from tokens.ssf import checks as ssf_checks  # noqa: F401

        try:
            import drf_spectacular  # noqa: F401
        except ImportError:
            return
        from tokens import schema  # noqa: F401  (registers the OpenAPI extension)
