"""Serializers of the catalog API.

The public reads return data already shaped by ``catalog.selectors`` (cached plain dicts); the
``*OutSerializer`` classes here describe that shape for OpenAPI. The staff write API uses the
model serializers below, and the services validate the whole row on top of them.
"""

from rest_framework import serializers

from catalog import services
from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption


# --- public shapes (documentation of the cached payloads) ------------------------------
class TypeProductsQuerySerializer(serializers.Serializer):
    is_hot = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="1: hot picks only; 0: the others."
    )


class TypeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()


class ProductTypeOutSerializer(TypeRefSerializer):
    menu_order = serializers.IntegerField()
    product_count = serializers.IntegerField(help_text="Active products of the type.")


class ProductOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    image_url = serializers.CharField(allow_null=True)
    is_hot = serializers.BooleanField()
    menu_order = serializers.IntegerField()


class OptionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price_delta = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Added to the product's price.")


class SpecificationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Specification.Kind.choices)
    name = serializers.CharField()
    required = serializers.BooleanField()
    default_option_id = serializers.IntegerField(allow_null=True)
    options = OptionOutSerializer(many=True)


class ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PromotionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    product = ProductRefSerializer(allow_null=True)
    product_type = TypeRefSerializer(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="Exclusive.")


class ProductDetailOutSerializer(ProductOutSerializer):
    type = TypeRefSerializer()
    specifications = SpecificationOutSerializer(many=True)
    promotions = PromotionOutSerializer(many=True, help_text="Live promotions of the product or its type.")


# --- staff writes ----------------------------------------------------------------------
class ProductTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductType
        fields = ["id", "name", "slug", "menu_order", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "type",
            "name",
            "description",
            "price",
            "image_url",
            "is_hot",
            "is_active",
            "menu_order",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class SpecificationOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecificationOption
        fields = ["id", "specification", "name", "price_delta", "menu_order"]


class NestedOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecificationOption
        fields = ["id", "name", "price_delta", "menu_order"]


class SpecificationSerializer(serializers.ModelSerializer):
    options = NestedOptionSerializer(many=True, read_only=True)

    class Meta:
        model = Specification
        fields = ["id", "product", "kind", "name", "required", "default_option", "menu_order", "options"]


class PromotionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Promotion
        fields = ["id", *services.PROMOTION_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
