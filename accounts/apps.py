from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"
    demo_tenant = "accounts.demo.tenant"  # manage.py demo (config.demo)

    def ready(self) -> None:
        # Registered on import: tenancy's system check, the OpenAPI auth extension.
        import accounts.checks
        import accounts.schema  # noqa: F401
