"""Rates of order-file uploads, shared by the API and the imports page (one counter each).

An import costs a worker seconds to minutes, so uploads are counted per user, whatever the
workspace (``THROTTLE_IMPORT_USER``), and per workspace, whoever uploads
(``THROTTLE_IMPORT_WORKSPACE``). The views check them after the caller's role, so nobody outside
a workspace, nor a viewer, can spend its budget.
"""

from accounts.throttles import UserThrottle
from config.throttling import ResilientRateThrottle


class ImportUserThrottle(UserThrottle):
    scope = "import_user"


class ImportWorkspaceThrottle(ResilientRateThrottle):
    """``view.workspace`` is the workspace uploaded to."""

    scope = "import_workspace"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": view.workspace.pk}


def import_throttles() -> list:
    return [ImportUserThrottle(), ImportWorkspaceThrottle()]


def upload_wait(request, view) -> int | None:
    """Seconds an HTML upload must wait (the API's counters), or None when it may go ahead."""
    waits = [throttle.wait() for throttle in import_throttles() if not throttle.allow_request(request, view)]
    if not waits:
        return None
    return max(1, int(max(wait or 1 for wait in waits)))
