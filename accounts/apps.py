from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"
    demo_tenant = "accounts.demo.tenant"  # manage.py demo (config.demo)

    def ready(self) -> None:
        # Registered on import: tenancy's system check, the OpenAPI auth extension, the insight.
        import accounts.checks
        import accounts.insights
        import accounts.schema  # noqa: F401
