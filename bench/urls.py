"""Pulse's URLs plus /bench/bare (not shipped in the product's URLconf)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as pulse_urlpatterns


def bare(request):
    """The floor: the same server and middleware, no database, no serialisation."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [path("bench/bare", bare), *pulse_urlpatterns]
