"""Pulse's URLs plus the baselines (not shipped in the product's URLconf): ``/bench/bare``, a
Django view, and ``/bench/bare-drf``, a DRF view answering a constant, both through the same
middleware."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as pulse_urlpatterns


def bare(request):
    """The floor: the same server and middleware, no database, no serialisation."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")


class BareDRFView(APIView):
    """The framework's own cost: DRF's request, negotiation, (no) authentication and rendering of a
    constant; no database, not even a transaction."""

    dangerously_unscoped = "bench only: a constant, no data"
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare", bare),
    path("bench/bare-drf", transaction.non_atomic_requests(BareDRFView.as_view())),
    *pulse_urlpatterns,
]
