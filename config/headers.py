"""Security headers of every response: a Content-Security-Policy on HTML pages and a
Permissions-Policy everywhere.

Scripts run from our own origin only: no page has an inline script or event handler (figures are
drawn by ``static/js/charts.js`` from JSON data, the Swagger UI's setup is a script of its own
URL). Styles may be inline: plotly.js, Swagger UI and ReDoc insert theirs at run time. ReDoc
parses the schema in a web worker it starts from a ``blob:`` URL, and the docs' images and fonts
may be ``data:`` URLs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def policy_framed_by(origins: list[str]) -> str:
    """The policy of a page that may be framed by ``origins`` only (a shared dashboard embedded
    where its owner listed); without origins, by none, as every other page."""
    ancestors = " ".join(origins) or "'none'"
    return CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


# Browser features no page of Pulse uses, denied to every page and to anything framed in one.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """Adds the headers unless a view set its own (``settings.CONTENT_SECURITY_POLICY`` overrides
    the policy, e.g. to add a reporting endpoint)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
