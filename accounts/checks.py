"""System checks of tenancy: every API view is workspace-scoped or says why it is not."""

from django.core.checks import Error, Tags, register

from accounts.tenancy import undeclared_api_views


@register(Tags.security, Tags.urls)
def api_views_are_scoped(app_configs, **kwargs) -> list[Error]:
    return [
        Error(
            f"The API view at {route} is neither workspace-scoped nor declares dangerously_unscoped.",
            hint="Inherit accounts.tenancy.WorkspaceScopedMixin, or set dangerously_unscoped = '<why>'.",
            id="pulse.E010",
        )
        for route in undeclared_api_views()
    ]
