"""A workspace-scoped endpoint for the tests of config.tenancy and the error handler: the
foundation itself has no workspace-owned model views, every app's come later."""

from django.urls import include, path
from rest_framework import generics, serializers

from accounts.models import Membership
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


urlpatterns = [
    path("api/v1/test/scoped/", ScopedList.as_view()),
    path("api/v1/test/scoped/<int:pk>/", ScopedDetail.as_view()),
    path("api/v1/test/owners/", OwnersOnly.as_view()),
    path("api/v1/test/crash/", crash),
    path("", include("config.urls")),
]

handler400 = "config.exceptions.handler400"
handler403 = "config.exceptions.handler403"
handler404 = "config.exceptions.handler404"
handler500 = "config.exceptions.handler500"
