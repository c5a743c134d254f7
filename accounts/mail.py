"""Mails of the accounts app: plain text from ``templates/accounts/email/``, with absolute links.

Mail clients open absolute links only: they start with the ``base_url`` the user reached Pulse at
(``request.build_absolute_uri("/")``), else the ``PULSE_BASE_URL`` setting (mails sent outside a
request). Senders that run in a task are given ids and build their tokens there, so no token
travels through the broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def site_link(base_url: str | None, path: str, **query: str) -> str:
    """``path`` (with ``query``) as an absolute link on ``base_url`` (else PULSE_BASE_URL)."""
    root = (base_url or settings.PULSE_BASE_URL).rstrip("/")
    return f"{root}{path}" + (f"?{urlencode(query)}" if query else "")


def send_templated(
    *, to: str, subject: str, template: str, context: Mapping[str, Any], folder: str = "accounts/email"
) -> None:
    """Send ``templates/<folder>/<template>.txt`` rendered with ``context`` to ``to`` (another
    app's mails name their own folder)."""
    body = render_to_string(f"{folder}/{template}.txt", dict(context))
    send_mail(subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[to])
