from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    label = "tokens"
    verbose_name = _("Revocable tokens")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tokens import checks, receivers  # noqa: F401  (registers checks, signals)
        from tokens import checks_keys  # noqa: F401  (key material, --deploy only)

        try:
            import drf_spectacular  # noqa: F401
        except ImportError:
            return
        from tokens import schema  # noqa: F401  (registers the OpenAPI extension)
