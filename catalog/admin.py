"""Staff manage the menu here. Every write, a form's save or a bulk action, moves the cached menu
to a new version (see :mod:`catalog.models`); bulk actions and "delete selected" go through
``catalog.services``.

Django has no nested inlines: the product page edits its specifications inline, and each
specification's own page (linked from the inline) edits its options inline.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html

from catalog import services
from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption
from config.errors import DomainError


def _preview(url: str, size: int = 48):
    if not url:
        return "—"
    return format_html(
        '<img src="{}" alt="" style="width:{}px;height:{}px;object-fit:cover;border-radius:6px;background:#f3efe9">',
        url,
        size,
        size,
    )


def _error_text(error: DomainError) -> str:
    """What staff read: the messages of the error's fields (a bulk action has no form to put them
    next to), else its message."""
    return " ".join(message for messages in error.fields.values() for message in messages) or error.message


class ActivationActionsMixin:
    """Activate/deactivate/delete selected rows through the services (one UPDATE, cache invalidated)."""

    actions = ["activate", "deactivate"]

    def _set_active(self, request, queryset, is_active: bool) -> None:
        try:
            changed = services.catalog_set_active(queryset=queryset, is_active=is_active)
        except DomainError as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return
        verb = "activated" if is_active else "deactivated"
        self.message_user(request, f"{changed} {self.model._meta.verbose_name_plural} {verb}.", messages.SUCCESS)

    @admin.action(description="Activate selected %(verbose_name_plural)s")
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected %(verbose_name_plural)s")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    def delete_queryset(self, request, queryset):
        services.catalog_delete(queryset=queryset)


class ImagePreviewMixin:
    """A thumbnail column for the list and a larger preview on the change form (``image_url``)."""

    @admin.display(description="image")
    def thumbnail(self, obj):
        return _preview(obj.image_url, 40)

    @admin.display(description="preview")
    def image_preview(self, obj):
        return _preview(obj.image_url, 160)


@admin.register(ProductType)
class ProductTypeAdmin(ActivationActionsMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "menu_order", "is_active", "products"]
    list_editable = ["menu_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["menu_order", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="products", ordering="product_total")
    def products(self, obj):
        return obj.product_total


class SpecificationInline(admin.TabularInline):
    model = Specification
    fields = ["menu_order", "kind", "name", "required", "default_option", "options_summary"]
    readonly_fields = ["options_summary"]
    show_change_link = True
    extra = 0
    ordering = ["menu_order", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("default_option").prefetch_related("options")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_option":
            # Only options of this product's specifications; the model checks it is the row's own.
            product_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = SpecificationOption.objects.filter(
                specification__product_id=product_id or 0
            ).select_related("specification")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="options (edit on the specification's page)")
    def options_summary(self, obj):
        if obj.pk is None:
            return "Save, then add options on the specification's page."
        return ", ".join(f"{o.name} (+{o.price_delta})" if o.price_delta else o.name for o in obj.options.all()) or "—"


@admin.register(Product)
class ProductAdmin(ImagePreviewMixin, ActivationActionsMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "name", "type", "price", "is_hot", "is_active", "menu_order"]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["price", "is_hot", "is_active", "menu_order"]
    list_filter = ["type", "is_hot", "is_active"]
    search_fields = ["name", "description", "type__name"]
    list_select_related = ["type"]
    ordering = ["type__menu_order", "menu_order", "name"]
    readonly_fields = ["image_preview", "created_at", "updated_at"]
    fields = [
        "type",
        "name",
        "description",
        ("price", "menu_order"),
        ("is_hot", "is_active"),
        "image_url",
        "image_preview",
        ("created_at", "updated_at"),
    ]
    inlines = [SpecificationInline]
    actions = ["activate", "deactivate", "mark_hot", "unmark_hot"]

    @admin.action(description="Mark selected products as hot picks")
    def mark_hot(self, request, queryset):
        changed = services.product_set_hot(queryset=queryset, is_hot=True)
        self.message_user(request, f"{changed} products marked hot.", messages.SUCCESS)

    @admin.action(description="Remove selected products from hot picks")
    def unmark_hot(self, request, queryset):
        changed = services.product_set_hot(queryset=queryset, is_hot=False)
        self.message_user(request, f"{changed} products removed from hot picks.", messages.SUCCESS)


class SpecificationOptionInline(admin.TabularInline):
    model = SpecificationOption
    fields = ["menu_order", "name", "price_delta"]
    extra = 1
    ordering = ["menu_order", "id"]


@admin.register(Specification)
class SpecificationAdmin(admin.ModelAdmin):
    list_display = ["product", "kind", "name", "required", "default_option", "menu_order"]
    list_editable = ["menu_order"]
    list_filter = ["kind", "required", "product__type"]
    search_fields = ["name", "product__name"]
    list_select_related = ["product", "default_option"]
    autocomplete_fields = ["product"]
    inlines = [SpecificationOptionInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_option":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = SpecificationOption.objects.filter(specification_id=object_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset):
        services.catalog_delete(queryset=queryset)


class PromotionStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", "Live now"), ("scheduled", "Scheduled"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.live(now)
        if self.value() == "scheduled":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Promotion)
class PromotionAdmin(ImagePreviewMixin, ActivationActionsMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "title", "target", "starts_at", "ends_at", "status", "is_active"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [PromotionStatusFilter, "is_active", "product_type"]
    search_fields = ["title", "body", "product__name", "product_type__name"]
    list_select_related = ["product", "product_type"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["product"]
    readonly_fields = ["image_preview"]
    fields = [
        "title",
        "body",
        "image_url",
        "image_preview",
        ("product", "product_type"),
        ("starts_at", "ends_at"),
        "is_active",
    ]

    @admin.display(description="for")
    def target(self, obj):
        return obj.product or obj.product_type or "whole menu"

    @admin.display(description="status")
    def status(self, obj):
        now = timezone.now()
        if obj.starts_at > now:
            return "scheduled"
        return "ended" if obj.ends_at <= now else "live"

    def save_model(self, request, obj, form, change):
        # Under the target's lock, like the API (the form already checked for overlaps).
        services.promotion_save(promotion=obj)
