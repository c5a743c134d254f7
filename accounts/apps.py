from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"

    def ready(self) -> None:
        # Registered on import: tenancy's system check, the OpenAPI auth extension, deploy checks.
        import accounts.checks
        import accounts.schema  # noqa: F401
        import config.checks  # noqa: F401
