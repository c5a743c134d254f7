"""Invoice lines of an online shop (the UCI "Online Retail" shape), after cleaning.

The import pipeline (``ecommerce.services``) splits every raw row into exactly one of:
dropped duplicate, excluded adjustment (``A…``), return (``C…``, kept in :class:`ReturnLine`),
rejected (quantity or price ≤ 0, counted in the job report), or sales line
(:class:`SalesLine`). Analytics read only these two tables.

Imports write lines with ``COPY`` and bump the workspace's data version themselves; any other
write of a line, one by one or in bulk, bumps it through :func:`config.cache.bump_on_change`.
"""

from django.conf import settings
from django.db import models

from accounts.models import Workspace
from config.cache import VersionedModel

# Stock codes that are charges, fees or vouchers rather than products: they count in revenue,
# not in product analytics. ``gift_…`` vouchers are matched by prefix.
NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "M", "m", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"}
)
NON_PRODUCT_PREFIXES = ("gift_",)


def is_product_code(stock_code: str) -> bool:
    return stock_code not in NON_PRODUCT_CODES and not stock_code.startswith(NON_PRODUCT_PREFIXES)


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="ecommerce_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    report = models.JSONField(default=dict, blank=True, help_text="Counts of every cleaning step.")
    error = models.JSONField(default=dict, blank=True, help_text="Why the import failed, with row numbers.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="ecom_job_ws_created")]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.status})"


class LineBase(VersionedModel):
    # Every index below starts with the workspace, so its own index would only slow the COPY.
    # On PostgreSQL they live on the line tables' partitions only, a workspace's own without the
    # workspace column (ecommerce.partitions): a migration that changes them needs its
    # PostgreSQL SQL written by hand, as 0004 does.
    # The import job link is bookkeeping, read only by the importer, so it has no index or
    # database constraint either (one deferred check per line at commit otherwise).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    import_job = models.ForeignKey(
        ImportJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    invoice_no = models.CharField(max_length=20)
    stock_code = models.CharField(max_length=32)
    description = models.CharField(max_length=255, blank=True)
    quantity = models.IntegerField()
    invoice_date = models.DateTimeField(help_text="Aware; the file's local time in the workspace time zone.")
    unit_price = models.DecimalField(max_digits=12, decimal_places=3, help_text="As in the file (up to 3 places).")
    # quantity × unit_price (absolute for returns), exact: sums never go through floats.
    amount = models.DecimalField(max_digits=16, decimal_places=3)
    customer_id = models.CharField(max_length=32, blank=True, help_text="Empty when the file has none.")
    country = models.CharField(max_length=64)
    is_product = models.BooleanField(default=True, help_text="False for postage, fees, vouchers…")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.invoice_no} {self.stock_code} × {self.quantity}"


class SalesLine(LineBase):
    class Meta:
        indexes = [
            models.Index(fields=["workspace", "invoice_date"], name="ecom_sale_ws_date"),
            models.Index(fields=["workspace", "country", "invoice_date"], name="ecom_sale_ws_country"),
            models.Index(fields=["workspace", "customer_id", "invoice_date"], name="ecom_sale_ws_customer"),
            models.Index(fields=["workspace", "stock_code"], name="ecom_sale_ws_stock"),
            models.Index(fields=["workspace", "invoice_no"], name="ecom_sale_ws_invoice"),
        ]


class ReturnLine(LineBase):
    """A cancellation line (invoice ``C…``); ``quantity`` is as in the file (negative),
    ``amount`` is |quantity| × unit_price."""

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "invoice_date"], name="ecom_return_ws_date"),
            models.Index(fields=["workspace", "country", "invoice_date"], name="ecom_return_ws_country"),
            models.Index(fields=["workspace", "invoice_no"], name="ecom_return_ws_invoice"),
        ]


# The line tables, sales first: an import fills both; on PostgreSQL both are partitioned by workspace.
LINE_MODELS = (SalesLine, ReturnLine)


class ModelFit(models.Model):
    """A fitted model (the CLV models, the revenue forecast) stored under a digest of everything
    it was fitted on. The database keeps it for every process: a fit made by the import's
    warming, a demo load or another web process is found by the next request that reads the
    same data, whatever cache each process has (``ecommerce.fits``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40, help_text="Which model: clv_models, forecast_model.")
    inputs = models.CharField(max_length=64, help_text="SHA-256 of the data and settings it was fitted on.")
    value = models.JSONField(help_text="The fitted parameters and what the endpoints show of them.")
    computed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name", "inputs"], name="ecom_fit_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.inputs[:12]} ({self.computed_at:%Y-%m-%d %H:%M})"
