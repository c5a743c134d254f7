"""Forms of the sales data pages: the API's serializers decide what is valid (config.forms)."""

from django import forms

from accounts.models import User, Workspace
from config.forms import SerializerForm, field
from sales import records_csv
from sales.api import serializers as s
from sales.models import Store
from sales.services import FAKE_MAX_COUNT


class StoreForm(SerializerForm):
    serializer_class = s.StoreSerializer
    name = field("Name", widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "off"}))
    city = field("City", widget=forms.TextInput(attrs={"maxlength": 120}), required=False)


class RecordForm(SerializerForm):
    serializer_class = s.RecordSerializer
    date = field("Day", widget=forms.DateInput(attrs={"type": "date"}), help_text="In the workspace's time zone.")
    store = field("Store", widget=forms.Select())
    revenue = field("Revenue", widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}))
    ad_spend = field("Ad spend", widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}))
    recorded_by = field(
        "Recorded by",
        widget=forms.Select(),
        required=False,
        help_text="The member credited (top sellers); none chosen: you on a new record, unchanged on an edit.",
    )

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, context={"workspace": workspace}, **kwargs)
        stores = Store.objects.filter(workspace=workspace).order_by("name", "pk").values_list("pk", "name")
        members = User.objects.filter(memberships__workspace=workspace).order_by("email").values_list("pk", "email")
        self.fields["store"].widget.choices = [("", "Choose a store"), *stores]
        self.fields["recorded_by"].widget.choices = [("", "—"), *members]


class UploadForm(forms.Form):
    """Rendering of the upload; the file is checked by ``RecordUploadSerializer``."""

    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text=f"Up to {records_csv.MAX_ROWS:,} records and {records_csv.MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "required": True}),
    )


class FakeForm(SerializerForm):
    serializer_class = s.FakeQuerySerializer
    count = field(
        "How many records",
        widget=forms.NumberInput(attrs={"min": 1, "max": FAKE_MAX_COUNT}),
        help_text=f"1 to {FAKE_MAX_COUNT:,}, spread over the last year.",
    )
