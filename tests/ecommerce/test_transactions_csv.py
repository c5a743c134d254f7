"""The transactions CSV written by PostgreSQL (``COPY … TO STDOUT``) is byte for byte the CSV the
Python path writes (``config.csv_copy``), hostile values and filters included."""

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import connection

from config.api import csv_stream
from config.csv_copy import number_pattern
from ecommerce.api import serializers as s
from ecommerce.api.filters import TransactionFilter
from ecommerce.api.views import _serialised_batches
from ecommerce.models import SalesLine
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")

URL = "/api/v1/ecommerce/transactions"
WINTER = dt.datetime(2011, 1, 10, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2011, 6, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
# Lines of hostile text: invoice, stock code, description, customer, country, unit price, date.
HOSTILE = [
    ("536365", "=cmd|calc", 'Comma, "quoted" and\nnewline', "=1+1", "EIRE", "2.345", WINTER),
    ("536366", "-5", "+SUM(A1)", "", "USA", "1.000", WINTER),
    ("536367", "+X", "@user", "17850", "=Evil", "0.005", SUMMER),
    ("-1_000", "POST", "\tTab first", "-12", "RSA", "3.390", SUMMER),
    ("536369", "85123A", " -3 ", "+1e5", "France", "2.550", WINTER),
    ("536370", "85123A", "-nan", "-.5", "France", "2.550", WINTER),
    ("536371", "85123A", "-", "=", "France", "2.550", WINTER),
    ("536372", "85123A", "\\.", "back\\slash", "France", "2.550", WINTER),
    ("536373", "85123A", "é漢字 ☃", "-١٢", "France", "2.550", WINTER),
    ("536374", "85123A", "", "-1__0", "France", "2.550", WINTER),
    ("536375", "85123A", "- 1", "+5.", "France", "2.550", SUMMER),
    ("536376", "85123A", "-Infinity ", "@", "France", "2.550", SUMMER),
]
FILTERS = [
    {},
    {"customer": "=1+1"},
    {"country": "ireland"},
    {"date_from": "2011-06-01", "date_to": "2011-06-30"},
    {"product": "-5"},
    {"invoice": "-1_000"},
    {"country": "france", "date_to": "2011-01-31"},
]


@pytest.fixture
def hostile(workspace):
    workspace.timezone = "America/St_Johns"  # -03:30 in winter, -02:30 in summer
    workspace.save(update_fields=["timezone"])
    for invoice_no, stock_code, description, customer_id, country, price, date in HOSTILE:
        SalesLineFactory(
            workspace=workspace,
            invoice_no=invoice_no,
            stock_code=stock_code,
            description=description,
            customer_id=customer_id,
            country=country,
            unit_price=Decimal(price),
            invoice_date=date,
        )
    SalesLineFactory(workspace=workspace, invoice_no="999999", description="=not ours")  # another's line
    SalesLine.objects.filter(invoice_no="999999").update(workspace=SalesLineFactory().workspace)
    return workspace


def _python_csv(workspace, params: dict) -> bytes:
    """What the Python path writes: the view's filters, serializer and CSV writer."""
    base = SalesLine.objects.filter(workspace=workspace).order_by("-invoice_date", "-id")
    lines = TransactionFilter(
        data=params,
        queryset=base.values(*s.TransactionSerializer.COLUMNS),
        request=types.SimpleNamespace(workspace=workspace),
    ).qs
    serializer = s.TransactionSerializer(context={"tz": workspace.tzinfo})
    batches = _serialised_batches(lines.iterator(), serializer)
    return "".join(csv_stream(s.TransactionSerializer.Meta.fields, batches)).encode()


@pytest.mark.parametrize("params", FILTERS)
def test_the_copy_csv_is_the_python_csv_byte_for_byte(hostile, owner, api_as, params):
    response = api_as(owner).get(URL, {"format": "csv", **params})

    assert response.status_code == 200
    assert response.streaming
    body = response.getvalue()
    assert body == _python_csv(hostile, params)
    assert body.count(b"'") >= (1 if not params else 0)


def test_the_whole_csv_written_out(hostile, admin_user, api_as):
    body = api_as(admin_user).get(URL, {"format": "csv"}).getvalue().decode()
    ids = {line.invoice_no + line.description: line.pk for line in SalesLine.objects.filter(workspace=hostile)}

    def row(invoice, description, text):
        return f"{ids[invoice + description]},{text}"

    assert body == "\n".join(
        [
            "id,invoice_no,stock_code,description,quantity,unit_price,amount,invoice_date,customer_id,country,"
            "country_label,is_product",
            row(
                "536376",
                "-Infinity ",
                "536376,85123A,-Infinity ,1,2.550,2.55,2011-06-01T09:30:00.123456-02:30,'@,France,France,True",
            ),
            row(
                "536375",
                "- 1",
                "536375,85123A,'- 1,1,2.550,2.55,2011-06-01T09:30:00.123456-02:30,+5.,France,France,True",
            ),
            row(
                "-1_000",
                "\tTab first",
                "-1_000,POST,'\tTab first,1,3.390,3.39,2011-06-01T09:30:00.123456-02:30,-12,RSA,South Africa,False",
            ),
            row(
                "536367",
                "@user",
                "536367,'+X,'@user,1,0.005,0.01,2011-06-01T09:30:00.123456-02:30,17850,'=Evil,'=Evil,True",
            ),
            row("536374", "", "536374,85123A,,1,2.550,2.55,2011-01-10T08:30:00-03:30,'-1__0,France,France,True"),
            row(
                "536373",
                "é漢字 ☃",
                "536373,85123A,é漢字 ☃,1,2.550,2.55,2011-01-10T08:30:00-03:30,-١٢,France,France,True",
            ),
            row(
                "536372",
                "\\.",
                "536372,85123A,\\.,1,2.550,2.55,2011-01-10T08:30:00-03:30,back\\slash,France,France,True",
            ),
            row("536371", "-", "536371,85123A,'-,1,2.550,2.55,2011-01-10T08:30:00-03:30,'=,France,France,True"),
            row("536370", "-nan", "536370,85123A,-nan,1,2.550,2.55,2011-01-10T08:30:00-03:30,-.5,France,France,True"),
            row("536369", " -3 ", "536369,85123A, -3 ,1,2.550,2.55,2011-01-10T08:30:00-03:30,+1e5,France,France,True"),
            row(
                "536366",
                "+SUM(A1)",
                "536366,-5,'+SUM(A1),1,1.000,1.00,2011-01-10T08:30:00-03:30,,USA,United States,True",
            ),
            row(
                "536365",
                'Comma, "quoted" and\nnewline',
                '536365,\'=cmd|calc,"Comma, ""quoted"" and\nnewline",'
                "1,2.345,2.35,2011-01-10T08:30:00-03:30,'=1+1,EIRE,Ireland,True",
            ),
            "",
        ]
    )


def test_every_role_gets_the_csv_of_its_workspace_only(hostile, owner, admin_user, viewer, outsider, api_as, anon_api):
    for user in (owner, admin_user, viewer):
        response = api_as(user).get(URL, {"format": "csv"})
        assert response.status_code == 200
        assert len(response.getvalue().decode().split("\n")) == 1 + 12 + 2  # header, lines, the cell's newline, end
    assert api_as(outsider).get(URL, {"format": "csv"}).json()["error"]["code"] == "not_found"
    assert anon_api.get(URL, {"format": "csv"}).json()["error"]["code"] == "not_authenticated"


@postgres_only
def test_the_number_pattern_reads_what_float_reads():
    texts = [
        "-1",
        "+2.5",
        "-.5",
        "+5.",
        "-1e5",
        "+1E-5",
        "-1_000",
        "-1__0",
        "-_1",
        "-1_",
        "- 1",
        " -3 ",
        "\t-3",
        "-inf",
        "-Infinity",
        "+nan",
        "-NaN ",
        "-infinit",
        "-١٢",
        "+\u00a07",
        "-1e",
        "-e5",
        "-",
        "+",
        "=1",
        "-0x10",
        "-1.2.3",
        "-1e1_0",
        "-1._5",
        "+1_.5",
        "-\u20007\u3000",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text ~* %s FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n) ORDER BY n",
            [number_pattern(), texts],
        )
        matched = [row[0] for row in cursor.fetchall()]

    def reads(text):
        try:
            float(text)
        except ValueError:
            return False
        return True

    assert matched == [reads(text) for text in texts]
    assert matched.count(True) == 15


@postgres_only
def test_a_carriage_return_inside_a_cell_is_quoted_by_the_copy_path(workspace, owner, api_as):
    line = SalesLineFactory(workspace=workspace, description="one\rtwo")

    body = api_as(owner).get(URL, {"format": "csv"}).getvalue().decode()

    assert body.split("\n")[1].startswith(f'{line.pk},{line.invoice_no},85123A,"one\rtwo",1,')


@postgres_only
def test_the_copy_leaves_the_connections_time_zone_as_it_was(hostile, owner, api_as):
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        before = cursor.fetchone()[0]
        assert api_as(owner).get(URL, {"format": "csv"}).getvalue().count(b"-03:30") == 8
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == before == "UTC"


@postgres_only
@pytest.mark.django_db(transaction=True)  # as in production: the export's transaction is the outermost
def test_a_download_given_up_midway_leaves_the_connection_usable(hostile, owner, api_as, monkeypatch):
    monkeypatch.setattr("config.csv_copy.CHUNK", 64)  # the fixture's lines in several chunks
    response = api_as(owner).get(URL, {"format": "csv"})
    chunks = iter(response.streaming_content)
    received = next(chunks) + next(chunks) + next(chunks)

    response.close()  # the client went away: the COPY is cancelled, its transaction rolled back

    assert received.startswith(b"id,invoice_no,")
    assert len(received) < len(_python_csv(hostile, {}))
    assert connection.connection is not None  # still open, and idle: no COPY, no transaction
    assert connection.connection.info.transaction_status == 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == "UTC"
    assert SalesLine.objects.filter(workspace=hostile).count() == 12
