"""Pulse's URLs plus ``POST /bench/bare``: a Django view that does nothing (benchmark baseline only)."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as pulse_urlpatterns


@csrf_exempt
def bare(request):
    return JsonResponse({"accepted": 0}, status=202)


urlpatterns = [path("bench/bare", bare), *pulse_urlpatterns]
