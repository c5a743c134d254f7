"""The product's URLs plus ``/bench/bare``: the baseline, a Django view doing nothing, through
the same middleware. Never part of the product's URLconf."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare), *product_urlpatterns]
