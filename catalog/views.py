import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from catalog import selectors


def _currency() -> tuple[str, str]:
    return getattr(settings, "CATALOG_CURRENCY_SYMBOL", "£"), getattr(
        settings, "CATALOG_CURRENCY_NAME", "pounds sterling"
    )


def _rendered_menu() -> selectors.Computed:
    """The menu's HTML (the same for every visitor) and the instant its promotions next change."""
    menu, valid_until = selectors.menu_with_expiry()
    for promotion in menu["promotions"]:
        # ends_at is exclusive: a promotion ending at midnight lasts until the day before.
        last = dt.datetime.fromisoformat(promotion["ends_at"]) - dt.timedelta(microseconds=1)
        promotion["last_day"] = f"{last:%a} {last.day} {last:%b} {last.year}"
    html = render_to_string("catalog/_menu_body.html", {"menu": menu, "currency": _currency()[0]})
    nav = [{"slug": section["slug"], "name": section["name"]} for section in menu["sections"]]
    return {"html": html, "sections": nav, "valid_until": valid_until}, valid_until


def _page(request: HttpRequest) -> tuple[HttpResponse, dt.datetime | None]:
    """The page around the cached menu, and the instant the menu's promotions next change."""
    rendered = selectors.read_through("menu-body", {"currency": _currency()}, _rendered_menu)
    context = {
        "menu_html": mark_safe(rendered["html"]),  # our own template's output
        "sections": rendered["sections"],
        "currency_name": _currency()[1],
    }
    return render(request, "catalog/menu.html", context), rendered["valid_until"]


@transaction.non_atomic_requests
def menu(request: HttpRequest) -> HttpResponse:
    """The public menu: promotions live now, then each type with its products and options.

    The menu's HTML is cached like the API's reads (same data version, same promotion expiry),
    so a warm page costs no query and no re-rendering of dozens of products. An anonymous visitor
    with no message waiting gets the whole page from the cache: nothing on it depends on who
    asks, and rendering the page around the menu was most of a warm request's time."""
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return _page(request)[0]

    def whole_page() -> tuple[bytes, dt.datetime | None]:
        response, valid_until = _page(request)
        return response.content, valid_until

    return HttpResponse(selectors.read_through("menu-page", {"currency": _currency()}, whole_page))
