from accounts.tenancy import page_membership


def workspaces(request) -> dict:
    """The workspace switcher: the user's memberships and the active one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    active = page_membership(request)
    if active is None:
        return {"memberships": [], "active_membership": None}
    memberships = user.memberships.select_related("workspace").order_by("workspace__name")
    return {"memberships": memberships, "active_membership": active}
