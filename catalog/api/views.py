"""Catalog API: public cached reads of the menu and a staff-only write API.

Reads take no login and look at no credentials (a client's stale token does not turn the public
menu into a 401), and answer from the cache once warm (no database query).
Writes are for staff (``is_staff``) and go through ``catalog.services``.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.api import serializers as s
from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption
from config import metrics

PUBLIC = ["catalog"]
STAFF = ["catalog (staff)"]


# --- public reads ----------------------------------------------------------------------
class PublicListView(generics.ListAPIView):
    """A paginated list built from a cached selector (the page is cut from the cached list)."""

    dangerously_unscoped = "the public menu: one for the whole installation, no workspace's data"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def rows(self) -> list[dict]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(self.paginate_queryset(self.rows()))


@extend_schema(tags=PUBLIC, summary="Product types in menu order")
class ProductTypeListView(PublicListView):
    serializer_class = s.ProductTypeOutSerializer

    def rows(self):
        return selectors.product_types()


def _is_hot(query) -> bool | None:
    """``?is_hot=`` as TypeProductsQuerySerializer reads it, without building a serializer on
    every (cached) read."""
    value = query.get("is_hot")
    if value is None or value == "":
        return None
    if value in serializers.BooleanField.TRUE_VALUES:
        return True
    if value in serializers.BooleanField.FALSE_VALUES:
        return False
    raise ValidationError({"is_hot": [serializers.BooleanField.default_error_messages["invalid"]]})


@extend_schema(
    tags=PUBLIC,
    summary="Active products of a type",
    parameters=[
        OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The type's slug."),
        s.TypeProductsQuerySerializer,
    ],
    responses={200: s.ProductOutSerializer(many=True)},
)
class TypeProductListView(PublicListView):
    serializer_class = s.ProductOutSerializer

    def rows(self):
        rows = selectors.type_products(slug=self.kwargs["slug"], is_hot=_is_hot(self.request.query_params))
        if rows is None:
            raise Http404
        return rows


class ProductDetailView(APIView):
    dangerously_unscoped = PublicListView.dangerously_unscoped
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=PUBLIC,
        summary="A product with its specifications, options and live promotions",
        responses={200: s.ProductDetailOutSerializer},
    )
    def get(self, request, pk: int):
        detail = selectors.product_detail(product_id=pk)
        if detail is None:
            raise Http404
        metrics.menu_product_viewed(product_type=detail["type"]["slug"])
        return Response(detail)


@extend_schema(tags=PUBLIC, summary="Promotions live now")
class PromotionListView(PublicListView):
    serializer_class = s.PromotionOutSerializer

    def rows(self):
        return selectors.live_promotions()


# --- staff writes ----------------------------------------------------------------------
class StaffMixin:
    """Staff only: anonymous callers get 401, signed-in non-staff users 403."""

    dangerously_unscoped = "staff only: the installation's menu, no workspace's data"
    permission_classes = [permissions.IsAdminUser]
    create_service = None  # (**validated_data) -> instance
    update_service = None  # (<instance kwarg>=instance, **validated_data) -> instance
    delete_service = None  # (<instance kwarg>=instance) -> None
    instance_kwarg = ""

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            **{self.instance_kwarg: serializer.instance}, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        type(self).delete_service(**{self.instance_kwarg: instance})


def _staff_views(
    name: str, model, serializer_class, queryset, filterset_fields, svc: dict, kwarg: str, delete_refused: str = ""
):
    """A list/create view and a detail (retrieve/update/delete) view for one model.
    ``delete_refused`` says when a delete answers 409 (rows that still use the instance)."""
    attrs = {
        "serializer_class": serializer_class,
        "queryset": queryset,
        "filterset_fields": filterset_fields,
        "create_service": staticmethod(svc["create"]),
        "update_service": staticmethod(svc["update"]),
        "delete_service": staticmethod(svc["delete"]),
        "instance_kwarg": kwarg,
    }
    plural = model._meta.verbose_name_plural
    single = model._meta.verbose_name
    list_view = extend_schema_view(
        get=extend_schema(tags=STAFF, summary=f"All {plural}, active or not"),
        post=extend_schema(tags=STAFF, summary=f"Create a {single}"),
    )(type(f"Staff{name}ListView", (StaffMixin, generics.ListCreateAPIView), dict(attrs)))
    detail_view = extend_schema_view(
        get=extend_schema(tags=STAFF, summary=f"One {single}"),
        put=extend_schema(tags=STAFF, summary=f"Replace a {single}"),
        patch=extend_schema(tags=STAFF, summary=f"Change a {single}"),
        delete=extend_schema(
            tags=STAFF,
            summary=f"Delete a {single}",
            responses={204: None, **({409: OpenApiResponse(description=delete_refused)} if delete_refused else {})},
        ),
    )(type(f"Staff{name}DetailView", (StaffMixin, generics.RetrieveUpdateDestroyAPIView), dict(attrs)))
    return list_view, detail_view


StaffTypeListView, StaffTypeDetailView = _staff_views(
    "ProductType",
    ProductType,
    s.ProductTypeSerializer,
    ProductType.objects.order_by("menu_order", "name", "id"),
    ["is_active"],
    {
        "create": services.product_type_create,
        "update": services.product_type_update,
        "delete": services.product_type_delete,
    },
    "product_type",
    delete_refused="The type still has products: delete them or move them to another type first.",
)
StaffProductListView, StaffProductDetailView = _staff_views(
    "Product",
    Product,
    s.ProductSerializer,
    Product.objects.order_by("type_id", "menu_order", "name", "id"),
    ["type", "is_active", "is_hot"],
    {"create": services.product_create, "update": services.product_update, "delete": services.product_delete},
    "product",
)
StaffSpecificationListView, StaffSpecificationDetailView = _staff_views(
    "Specification",
    Specification,
    s.SpecificationSerializer,
    Specification.objects.order_by("product_id", "menu_order", "id").prefetch_related("options"),
    ["product", "kind"],
    {
        "create": services.specification_create,
        "update": services.specification_update,
        "delete": services.specification_delete,
    },
    "specification",
)
StaffOptionListView, StaffOptionDetailView = _staff_views(
    "SpecificationOption",
    SpecificationOption,
    s.SpecificationOptionSerializer,
    SpecificationOption.objects.order_by("specification_id", "menu_order", "id"),
    ["specification"],
    {
        "create": services.specification_option_create,
        "update": services.specification_option_update,
        "delete": services.specification_option_delete,
    },
    "option",
)
StaffPromotionListView, StaffPromotionDetailView = _staff_views(
    "Promotion",
    Promotion,
    s.PromotionSerializer,
    Promotion.objects.order_by("starts_at", "id"),
    ["is_active", "product", "product_type"],
    {"create": services.promotion_create, "update": services.promotion_update, "delete": services.promotion_delete},
    "promotion",
)
