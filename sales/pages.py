"""The sales data pages: stores, records, CSV upload and fake data, in the browser.

Viewers read, admins and owners write, as in the API; the forms are validated by the API's
serializers and written by the same services, so both refuse and store the same things.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import urlencode

from accounts.models import Membership
from accounts.workspace_pages import WorkspacePage
from config.errors import DomainError
from sales import records_csv, services
from sales.api import serializers as s
from sales.filters import RecordFilter
from sales.forms import FakeForm, RecordForm, StoreForm, UploadForm
from sales.models import SalesRecord, Store

PAGE_SIZE = 50
STORE_HAS_RECORDS = (
    "A store with sales records cannot be deleted: its history would silently change. "
    "Delete its records first (Records, filtered by this store)."
)


class SalesPage(WorkspacePage):
    write_role = Membership.Role.ADMIN
    refused = "Viewers read the sales data; admins and owners change it."

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_write=self.has_role(self.write_role), **kwargs)


class StoresPage(SalesPage):
    template_name = "sales/stores.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stores = Store.objects.filter(workspace=self.workspace).annotate(record_count=Count("records")).order_by("name")
        context.setdefault("form", StoreForm())
        context.update(stores=stores, store_has_records=STORE_HAS_RECORDS)
        return context

    def post(self, request):
        form = StoreForm(request.POST, context={"workspace": self.workspace})
        if form.is_valid():
            store = services.store_create(workspace=self.workspace, **form.validated)
            messages.success(request, f"The store {store.name} was created.")
            return redirect("sales:stores")
        return self.render_to_response(self.get_context_data(form=form))


class StoreEditPage(SalesPage):
    template_name = "sales/store_edit.html"

    def get_store(self) -> Store:
        return get_object_or_404(Store, workspace=self.workspace, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        store = self.get_store()
        kwargs.setdefault("form", StoreForm(initial={"name": store.name, "city": store.city}))
        records = SalesRecord.objects.filter(store=store).count()
        return super().get_context_data(store=store, records=records, store_has_records=STORE_HAS_RECORDS, **kwargs)

    def post(self, request, pk: int):
        store = self.get_store()
        form = StoreForm(request.POST, context={"workspace": self.workspace}, instance=store)
        if form.is_valid():
            services.store_update(store=store, **form.validated)
            messages.success(request, f"The store {store.name} was saved.")
            return redirect("sales:stores")
        return self.render_to_response(self.get_context_data(form=form))


class StoreDeletePage(StoreEditPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        store = self.get_store()
        try:
            services.store_delete(store=store)
        except DomainError as error:
            messages.error(request, f"{store.name} was kept. {error.message} {STORE_HAS_RECORDS}")
            return redirect("sales:store", pk=store.pk)
        messages.success(request, f"The store {store.name} was deleted.")
        return redirect("sales:stores")


class RecordsPage(SalesPage):
    """The records, newest first, filtered as the API's list is (store, date range)."""

    template_name = "sales/records.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = SalesRecord.objects.filter(workspace=self.workspace).select_related("store", "recorded_by")
        query = {key: value for key, value in self.request.GET.items() if key in ("store", "date_from", "date_to")}
        period = s.RecordFilterQuerySerializer(data=query)
        filters = RecordFilter(query, queryset=records)
        _present(filters.form, self.workspace)
        valid = filters.is_valid() and period.is_valid()
        if not period.is_valid():
            for name, errors in period.errors.items():
                filters.form.add_error(name if name in filters.form.fields else None, errors)
        shown = filters.qs if valid else records.none()
        context.update(
            filters=filters.form,
            page=Paginator(shown.order_by("-date", "-pk"), PAGE_SIZE).get_page(self.request.GET.get("page")),
            query=urlencode({key: value for key, value in query.items() if value}),
        )
        context.setdefault("form", RecordForm(workspace=self.workspace))
        context.setdefault("fake_form", FakeForm(initial={"count": 50}))
        return context

    def post(self, request):
        form = RecordForm(request.POST, workspace=self.workspace)
        if form.is_valid():
            services.records_create(workspace=self.workspace, rows=[form.validated], recorded_by=request.user)
            messages.success(request, "The record was added.")
            return redirect("sales:records")
        return self.render_to_response(self.get_context_data(form=form))


def _present(form: forms.Form, workspace) -> None:
    """The API's filter form, as people read it: stores by name, dates picked, short labels."""
    stores = Store.objects.filter(workspace=workspace).order_by("name", "pk").values_list("pk", "name")
    form.fields["store"].widget = forms.Select(choices=[("", "Every store"), *stores])
    for name, label in (("store", "Store"), ("date_from", "From"), ("date_to", "To")):
        form.fields[name].label, form.fields[name].help_text = label, ""
    for name in ("date_from", "date_to"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    form.auto_id = "filter_%s"  # the add form below has a store and a date too


class RecordEditPage(SalesPage):
    template_name = "sales/record_edit.html"

    def get_record(self) -> SalesRecord:
        return get_object_or_404(
            SalesRecord.objects.select_related("store"), workspace=self.workspace, pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        record = self.get_record()
        initial = {
            "date": record.date.isoformat(),
            "store": record.store_id,
            "revenue": record.revenue,
            "ad_spend": record.ad_spend,
            "recorded_by": record.recorded_by_id or "",
        }
        kwargs.setdefault("form", RecordForm(initial=initial, workspace=self.workspace))
        return super().get_context_data(record=record, **kwargs)

    def post(self, request, pk: int):
        record = self.get_record()
        form = RecordForm(request.POST, workspace=self.workspace, instance=record)
        if form.is_valid():
            services.record_update(record=record, **form.validated)
            messages.success(request, "The record was saved.")
            return redirect("sales:records")
        return self.render_to_response(self.get_context_data(form=form))


class RecordDeletePage(RecordEditPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        record = self.get_record()
        services.records_delete(SalesRecord.objects.filter(pk=record.pk))
        messages.success(request, f"The record of {record.store.name} on {record.date} was deleted.")
        return redirect("sales:records")


class UploadPage(SalesPage):
    template_name = "sales/records_upload.html"
    read_role = Membership.Role.ADMIN

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", UploadForm())
        return super().get_context_data(columns=records_csv.COLUMNS, max_rows=records_csv.MAX_ROWS, **kwargs)

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        upload = s.RecordUploadSerializer(data=request.FILES, context={"workspace": self.workspace})
        if not upload.is_valid():
            row_errors = upload.errors.get("file")
            if isinstance(row_errors, dict):
                lines = f"{len(row_errors)} line has" if len(row_errors) == 1 else f"{len(row_errors)} lines have"
                form.add_error("file", f"{lines} errors, listed below: nothing was stored.")
            else:
                form.add_error("file", row_errors)
                row_errors = {}
            context = self.get_context_data(form=form, row_errors=sorted(row_errors.items(), key=lambda r: int(r[0])))
            return self.render_to_response(context)
        records = services.records_create(
            workspace=self.workspace, rows=upload.validated_data["rows"], recorded_by=request.user
        )
        messages.success(request, f"{len(records):,} records were added.")
        return redirect("sales:records")


class TemplateDownload(SalesPage):
    http_method_names = ["get"]

    def get(self, request):
        response = HttpResponse(records_csv.template_csv(self.workspace), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sales-records-template.csv"'
        return response


class GeneratePage(RecordsPage):
    """Fake records, from the same service and with the same bounds as the API's generator."""

    http_method_names = ["post"]

    def post(self, request):
        form = FakeForm(request.POST, context={"workspace": self.workspace})
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(fake_form=form))
        result = services.records_generate_fake(workspace=self.workspace, count=form.validated["count"])
        messages.success(
            request,
            f"{result['created']:,} fake records were added over {result['stores']} stores, "
            f"{result['date_from']} to {result['date_to']}.",
        )
        return redirect("sales:records")
