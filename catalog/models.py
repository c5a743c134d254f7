"""The coffee shop's menu: one for the whole installation, not per workspace.

Every model here feeds the cached public menu: every write of one, one by one or in bulk
(``save``, ``delete``, ``update``, ``bulk_create``, ``bulk_update``), moves the menu to a new
cache version once the transaction commits (:func:`config.cache.bump_on_change`, wired in
``CatalogConfig.ready``).
"""

from decimal import Decimal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.cache import VersionedModel, VersionedQuerySet

CACHE_NAMESPACE = "catalog"
ZERO = Decimal("0.00")


class CatalogQuerySet(VersionedQuerySet):
    def active(self):
        return self.filter(is_active=True)


CatalogManager = models.Manager.from_queryset(CatalogQuerySet)


def validate_image_url(value: str) -> None:
    """An absolute http(s) URL (a CDN, an object store) or a path on this site (``/static/…``).

    Anything else (``javascript:``, ``data:``, protocol-relative ``//host``) is refused, since the
    value lands in ``<img src>`` on the public menu.
    """
    if not value:
        return
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//") and not parts.scheme and not parts.netloc:
        return
    if parts.scheme in ("http", "https") and parts.netloc:
        return
    raise ValidationError("Enter an http(s) URL or a path on this site starting with /.", code="invalid_url")


class TimestampedModel(VersionedModel):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ProductType(TimestampedModel):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    menu_order = models.PositiveIntegerField(default=0, help_text="Types are listed by this number, then by name.")
    is_active = models.BooleanField(default=True, help_text="Inactive types and their products leave the menu.")

    objects = CatalogManager()

    class Meta:
        ordering = ["menu_order", "name"]
        indexes = [models.Index(fields=["is_active", "menu_order"], name="catalog_type_menu_idx")]

    def __str__(self) -> str:
        return self.name


class Product(TimestampedModel):
    type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(ZERO)])
    image_url = models.CharField(
        "image URL", max_length=500, blank=True, validators=[validate_image_url], help_text="https://… or /static/…"
    )
    is_hot = models.BooleanField(default=False, help_text="Shown in the hot-picks filter (?is_hot=1).")
    is_active = models.BooleanField(default=True)
    menu_order = models.PositiveIntegerField(default=0)

    objects = CatalogManager()

    class Meta:
        ordering = ["menu_order", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_product_price_not_negative"),
            models.UniqueConstraint(fields=["type", "name"], name="catalog_product_unique_name_per_type"),
        ]
        indexes = [models.Index(fields=["type", "is_active", "menu_order"], name="catalog_product_menu_idx")]

    def __str__(self) -> str:
        return self.name


class Specification(TimestampedModel):
    """A choice the customer makes for a product (temperature, sweetness, milk, size…)."""

    class Kind(models.TextChoices):
        TEMPERATURE = "temperature", "Temperature"
        SWEETNESS = "sweetness", "Sweetness"
        DAIRY = "dairy", "Dairy / milk"
        SIZE = "size", "Size"
        EXTRA = "extra", "Extras"
        OTHER = "other", "Other"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="specifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=80, help_text="As shown to the customer, e.g. 'Milk'.")
    required = models.BooleanField(default=True, help_text="The customer must pick one option.")
    default_option = models.ForeignKey(
        "SpecificationOption",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Pre-selected option; must be one of this specification's options.",
    )
    menu_order = models.PositiveIntegerField(default=0)

    objects = CatalogManager()

    class Meta:
        ordering = ["menu_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "kind"], name="catalog_spec_unique_kind_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.name}"

    def clean(self) -> None:
        if self.default_option_id is not None and self.default_option.specification_id != self.pk:
            raise ValidationError(
                {"default_option": "The default option must be one of this specification's own options."},
                code="foreign_option",
            )


class SpecificationOption(TimestampedModel):
    """One choice of a specification. ``price_delta`` is added to the product's price; it is never
    negative, so a product's listed price is the cheapest way to order it."""

    specification = models.ForeignKey(Specification, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(max_length=80)
    price_delta = models.DecimalField(
        max_digits=8, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    menu_order = models.PositiveIntegerField(default=0)

    objects = CatalogManager()

    class Meta:
        ordering = ["menu_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_delta__gte=0), name="catalog_option_delta_not_negative"),
            models.UniqueConstraint(fields=["specification", "name"], name="catalog_option_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PromotionQuerySet(CatalogQuerySet):
    def live(self, at=None):
        """Promotions shown at ``at`` (now): active and ``starts_at <= at < ends_at``."""
        at = at or timezone.now()
        return self.filter(is_active=True, starts_at__lte=at, ends_at__gt=at)

    def overlapping(self, promotion: "Promotion"):
        """Active promotions of the same target whose ``[starts_at, ends_at)`` intersects ``promotion``'s.

        The target is the product, or the product type for a type-wide promotion; promotions
        without a target (shop-wide banners) never conflict. Intervals are half-open, so one
        promotion may start exactly when another ends.
        """
        if promotion.product_id is not None:
            target = Q(product_id=promotion.product_id)
        elif promotion.product_type_id is not None:
            target = Q(product_type_id=promotion.product_type_id, product__isnull=True)
        else:
            return self.none()
        clashes = self.filter(target, is_active=True, starts_at__lt=promotion.ends_at, ends_at__gt=promotion.starts_at)
        if promotion.pk is not None:
            clashes = clashes.exclude(pk=promotion.pk)
        return clashes


class Promotion(TimestampedModel):
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    image_url = models.CharField("image URL", max_length=500, blank=True, validators=[validate_image_url])
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="promotions")
    product_type = models.ForeignKey(
        ProductType, on_delete=models.CASCADE, null=True, blank=True, related_name="promotions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="Exclusive: the promotion is gone at this instant.")
    is_active = models.BooleanField(default=True)

    objects = models.Manager.from_queryset(PromotionQuerySet)()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="catalog_promotion_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(product_type__isnull=True),
                name="catalog_promotion_one_target",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "ends_at"], name="catalog_promotion_live_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The promotion must end after it starts."
        if self.product_id is not None and self.product_type_id is not None:
            errors["product_type"] = "A promotion targets a product or a product type, not both."
        if not errors and self.is_active and self.starts_at and self.ends_at:
            clash = Promotion.objects.overlapping(self).order_by("starts_at").first()
            if clash is not None:
                errors["starts_at"] = (
                    f"Overlaps the active promotion “{clash.title}” (#{clash.pk}, "
                    f"{clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}) for the same target."
                )
        if errors:
            raise ValidationError(errors, code="invalid")
