"""Test-only endpoints on the foundation's base classes (config.tenancy, config.api,
config.pagination) and a crashing view for the error handler: the foundation itself has no
workspace-owned model views, every app's come later."""

from decimal import Decimal

from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts.models import Membership
from config.api import AnalyticsAPIView
from config.money import money
from config.pagination import PagePagination
from config.periods import serializer_for_intervals
from config.tenancy import WorkspaceScopedMixin


class MembershipRowSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role"]


class ScopedList(WorkspaceScopedMixin, generics.ListCreateAPIView):
    queryset = Membership.objects.select_related("user").order_by("user__email")
    serializer_class = MembershipRowSerializer
    pagination_class = None

    def perform_create(self, serializer):  # writes only need to pass the permission here
        raise serializers.ValidationError({"role": ["Nothing is created by this test view."]})


class ScopedDetail(WorkspaceScopedMixin, generics.RetrieveAPIView):
    queryset = Membership.objects.select_related("user")
    serializer_class = MembershipRowSerializer


class OwnersOnly(ScopedList):
    owner_only = True


def crash(request):
    raise RuntimeError("boom")


class RoleCounts(AnalyticsAPIView):
    """Members per role of the workspace, with the validated query echoed."""

    query_serializer_class = serializer_for_intervals("day", "week", "month")
    csv_rows_key = "rows"

    def get(self, request):
        query = self.query()
        period = query.period
        rows = [
            {
                "role": role,
                "members": self.scope(Membership.objects).filter(role=role).count(),
                "value": money(Decimal("1.5")),
            }
            for role in ("owner", "admin", "viewer")
        ]
        return Response(
            {
                "date_from": period.date_from,
                "date_to": period.date_to,
                "interval": query.validated_data["interval"],
                "rows": rows,
                "meta": {"refresh": self.refresh},
            }
        )


class ScopedPaged(ScopedList):
    pagination_class = PagePagination


urlpatterns = [
    path("api/v1/test/scoped/", ScopedList.as_view()),
    path("api/v1/test/scoped/<int:pk>/", ScopedDetail.as_view()),
    path("api/v1/test/owners/", OwnersOnly.as_view()),
    path("api/v1/test/paged/", ScopedPaged.as_view()),
    path("api/v1/test/analytics/", RoleCounts.as_view()),
    path("api/v1/test/crash/", crash),
    path("", include("config.urls")),
]

handler400 = "config.exceptions.handler400"
handler403 = "config.exceptions.handler403"
handler404 = "config.exceptions.handler404"
handler500 = "config.exceptions.handler500"
