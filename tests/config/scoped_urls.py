"""Test-only endpoints on the foundation's base classes (accounts.tenancy, the insight registry,
config.pagination) and a crashing view for the error handler: the foundation itself has no
workspace-owned model views, every app's come later."""

from collections import Counter
from decimal import Decimal

from django.db import OperationalError
from django.urls import include, path
from rest_framework import generics, serializers

from accounts.api.insights import insight_view
from accounts.models import Membership
from accounts.tenancy import WorkspaceScopedMixin
from config.insights import Insight, register
from config.money import money
from config.pagination import PagePagination
from config.periods import serializer_for_intervals


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
    read_role = write_role = "owner"


def crash(request):
    raise RuntimeError("boom")


def database_down(request):
    # What psycopg raises, through Django's wrapper, when PostgreSQL refuses connections.
    raise OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed')


class RoleCountsResponse(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    interval = serializers.CharField()
    rows = serializers.ListField(child=serializers.DictField())
    computed = serializers.IntegerField()


COMPUTED = Counter()


def role_counts(workspace, period, interval):
    """Members per role of the workspace, with the validated query echoed and how many times the
    workspace's counts were computed (to see the cache at work)."""
    COMPUTED[workspace.pk] += 1
    rows = [
        {
            "role": role,
            "members": Membership.objects.filter(workspace=workspace, role=role).count(),
            "value": money(Decimal("1.5")),
        }
        for role in ("owner", "admin", "viewer")
    ]
    return {
        "date_from": period.date_from,
        "date_to": period.date_to,
        "interval": interval,
        "rows": rows,
        "computed": COMPUTED[workspace.pk],
    }


register(
    Insight(
        name="test.role_counts",
        compute=role_counts,
        query=serializer_for_intervals("day", "week", "month"),
        response=RoleCountsResponse,
        namespace="test",
        summary="Members per role",
        csv_rows_key="rows",
    )
)


class ScopedPaged(ScopedList):
    pagination_class = PagePagination


urlpatterns = [
    path("api/v1/test/scoped/", ScopedList.as_view()),
    path("api/v1/test/scoped/<int:pk>/", ScopedDetail.as_view()),
    path("api/v1/test/owners/", OwnersOnly.as_view()),
    path("api/v1/test/paged/", ScopedPaged.as_view()),
    path("api/v1/test/analytics/", insight_view("test.role_counts")),
    path("api/v1/test/crash/", crash),
    path("api/v1/test/database-down/", database_down),
    path("test/database-down/", database_down),
    path("", include("config.urls")),
]

handler400 = "config.exceptions.handler400"
handler403 = "config.exceptions.handler403"
handler404 = "config.exceptions.handler404"
handler500 = "config.exceptions.handler500"
