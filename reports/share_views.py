"""``/s/<token>/``: a shared dashboard, without login, and nothing else.

The page is the app's own dashboard view, called with a copy of the request that carries a
viewer's membership of the link's workspace and the link's query. What it renders then goes
through :class:`_Unlinker`, which drops every link's target and every form: whatever a dashboard
template links to today or tomorrow (CSV, filters, other pages), the shared page reaches nothing.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import resolve
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.models import Membership
from config.api import csv_stream
from config.headers import policy_framed_by
from config.throttling import client_ident
from reports import sharing
from reports.models import ShareLink

SESSION_KEY = "share-unlocked"


class _Unlinker(HTMLParser):
    """Re-emits a page without ``href`` targets (fragments aside) and without forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.in_form = 0

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], end: str) -> str:
        kept = [(n, v) for n, v in attrs if n not in ("href", "action", "formaction") or (v or "").startswith("#")]
        text = "".join(f" {n}" if v is None else f' {n}="{_escape(v)}"' for n, v in kept)
        return f"<{tag}{text}{end}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.in_form += 1
        elif not self.in_form:
            raw = self.get_starttag_text() or ""
            self.out.append(self._tag(tag, attrs, "") if tag in ("a", "area", "button") else raw)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.in_form:
            self.out.append(self._tag(tag, attrs, " /") if tag in ("a", "area") else self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = max(0, self.in_form - 1)
        elif not self.in_form:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.in_form:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def unlinked(html: str) -> str:
    parser = _Unlinker()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def _render_dashboard(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    path = sharing.dashboard_path(link.dashboard, link.filters)
    match = resolve(path)
    inner = copy.copy(request)
    inner.method = "GET"
    inner.GET = QueryDict(mutable=True)
    inner.GET.update(sharing.query_of(link))
    inner.user = AnonymousUser()
    inner._pulse_membership = Membership(workspace=link.workspace, role=Membership.Role.VIEWER)  # type: ignore[attr-defined]
    inner.workspace = link.workspace  # type: ignore[attr-defined]
    inner.pulse_share = link  # type: ignore[attr-defined]
    response = match.func(inner, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    if response.status_code != 200:
        return render(request, "reports/share_unavailable.html", status=404)
    html = unlinked(response.content.decode())
    if link.allow_csv:
        # The one place a shared page links to: its own tables, under its own token.
        tables = sharing.DASHBOARDS[link.dashboard].tables
        downloads = render_to_string("reports/_share_downloads.html", {"token": token, "tables": tables})
        html = html.replace("</main>", downloads + "</main>", 1)
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@method_decorator(never_cache, name="dispatch")
class SharedView(View):
    """What every path of a link checks first: the token names a live link, the client is
    within the link's rate; then its headers: framed only by the origins the link lists."""

    link: ShareLink

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: str) -> HttpResponse:
        try:
            link = sharing.share_link_for(kwargs["token"])
        except sharing.LinkGone:
            return render(request, "reports/share_unavailable.html", {"gone": True}, status=410)
        if link is None:
            return render(request, "reports/share_unavailable.html", status=404)
        wait = sharing.share_rate_wait(link, client_ident(request))
        if wait:
            response = render(request, "reports/share_unavailable.html", {"throttled": True}, status=429)
            response["Retry-After"] = str(wait)
            return response
        self.link = link
        response = super().dispatch(request, *args, **kwargs)
        response["Content-Security-Policy"] = policy_framed_by(link.allowed_origins)
        response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        if link.allowed_origins:
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response

    def unlocked(self, request: HttpRequest) -> bool:
        return not self.link.has_password or self.link.pk in request.session.get(SESSION_KEY, [])


class SharedDashboardView(SharedView):
    """GET shows the dashboard (or the password form); POST checks the password."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.unlocked(request):
            return render(request, "reports/share_password.html", {"link": self.link})
        sharing.share_view_record(self.link)
        return _render_dashboard(request, self.link, token)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.link.has_password or not sharing.password_ok(self.link, request.POST.get("password", "")):
            context = {"link": self.link, "error": "Wrong password."}
            return render(request, "reports/share_password.html", context, status=403)
        request.session.cycle_key()
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), self.link.pk]
        return redirect(request.path)


class SharedCsvView(SharedView):
    """One table of the shared dashboard as CSV, when the link allows downloads."""

    def get(self, request: HttpRequest, token: str, name: str) -> HttpResponse:
        if not self.unlocked(request):
            return redirect("share", token)
        if not self.link.allow_csv or name not in sharing.DASHBOARDS[self.link.dashboard].tables:
            return render(request, "reports/share_unavailable.html", status=404)
        filename, rows = sharing.shared_table(self.link, name)
        fields = list(dict.fromkeys(field for row in rows for field in row))
        response = HttpResponse("".join(csv_stream(fields, [rows])), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
