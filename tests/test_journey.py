"""The whole journey of a new user in headless Chromium, with no API call and no shell: register,
verify from the mailed link, upload a slice of the real Online Retail file, watch the import,
read the KPIs, invite a colleague as viewer (who sees the dashboards and no write controls),
create an API project and a key, send one event with the page's curl snippet, see it counted.

The slice's revenue is computed here from the file with the cleaning rules of DESIGN §4, not by
the importer; the whole file's figures are the real-data test's (tests/ecommerce).
"""

import csv
import gzip
import io
import re
import shlex
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Membership, User
from apimetrics.models import Project

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "online-retail.csv.gz"
SLICE_LINES = 10_000  # after the header: four days, 1 to 5 December 2010; small enough for every CI run
PASSWORD = "a-long-enough-pass"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not DATA.exists(), reason=f"the real data file is absent ({DATA})"),
]


def write_slice(path: Path) -> bytes:
    """The header and the first SLICE_LINES lines of the real file, bytes as they are."""
    with gzip.open(DATA, "rb") as file:
        data = b"".join(file.readline() for _ in range(SLICE_LINES + 1))
    path.write_bytes(data)
    return data


def cleaned_totals(data: bytes) -> dict:
    """Revenue and orders of the file by the cleaning rules: exact duplicates dropped (the first
    kept), ``A…`` adjustments and ``C…`` returns set apart, quantity ≤ 0 or unit price ≤ 0
    rejected; revenue is Σ quantity × unit price of the rest."""
    rows = list(csv.reader(io.StringIO(data.decode("iso-8859-1"))))[1:]
    revenue, orders = Decimal(0), set()
    for invoice, _code, _text, quantity, _when, price, _customer, _country in dict.fromkeys(map(tuple, rows)):
        if invoice.startswith(("A", "C")) or int(quantity) <= 0 or Decimal(price) <= 0:
            continue
        revenue += int(quantity) * Decimal(price)
        orders.add(invoice)
    return {"revenue": revenue.quantize(Decimal("0.01"), ROUND_HALF_UP), "orders": len(orders)}


def mailed_link(to: str, pattern: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [to] and re.search(pattern, m.body)]
    return re.search(rf"http://\S+{pattern}\S+", message.body).group(0)


def run_curl(snippet: str) -> int:
    """Send the request a curl snippet describes (its URL, headers and body) with urllib."""
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"]
    url, headers, body = words[3], {}, b""
    for flag, value in zip(words[4::2], words[5::2], strict=True):
        if flag == "-H":
            name, _, header = value.partition(": ")
            headers[name] = header
        else:
            assert flag == "-d"
            body = value.encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (the live server)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


def kpi(page, key: str) -> str:
    """A KPI card's exact figure (its title: the card shows it compact, "$184K")."""
    return page.locator(f'[data-kpi="{key}"] .value').get_attribute("title")


def register_and_verify(page, base_url: str) -> None:
    """Register, then confirm the address from the mailed link."""
    page.goto("/accounts/register/")
    page.fill("#id_full_name", "Ada Lovelace")
    page.fill("#id_email", "ada@shop.test")
    page.fill("#id_password", PASSWORD)
    page.click("#register-form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    expect(page.locator("#get-started h2")).to_have_text("Get started: this workspace is empty")
    page.pulse_screenshot("journey-01-registered")
    page.goto(mailed_link("ada@shop.test", "/accounts/verify-email/"))
    expect(page.locator(".messages")).to_contain_text("Your email address is confirmed.")
    assert User.objects.get(email="ada@shop.test").is_verified
    page.pulse_screenshot("journey-02-verified")


def upload_and_read_kpis(page, path: Path, expected: dict) -> None:
    """Upload from the empty state's link, watch the job finish, then read the KPIs."""
    page.click("#get-started >> text=Upload your orders")
    page.set_input_files("#upload-form input[type=file]", str(path))
    page.click("#upload-button")
    job = page.locator(".import-job").first
    expect(job.locator(".job-status")).to_have_text("Succeeded", timeout=60_000)
    rows_read = job.locator(".import-report tr", has_text="Rows read").locator("td")
    expect(rows_read).to_have_text(re.compile(r"10,?000"))
    page.pulse_screenshot("journey-03-imported")
    job.locator("text=See the dashboards").click()
    expect(page.locator('[data-kpi="revenue"] .value')).to_have_attribute("title", f"${expected['revenue']:,}")
    assert kpi(page, "orders") == f"{expected['orders']:,}"
    page.pulse_screenshot("journey-04-kpis")


def invite_a_viewer(page, colleague, base_url: str) -> None:
    """The owner invites a colleague as viewer, who registers from the invitation and accepts."""
    page.click("#nav-workspace")
    page.click(".tabs >> text=Members")
    page.fill("#id_email", "grace@shop.test")
    page.select_option("#id_role", "viewer")
    page.click("#invite-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("We sent an invitation to grace@shop.test.")
    page.pulse_screenshot("journey-05-invited")
    colleague.goto(mailed_link("grace@shop.test", "/accounts/invitations/accept/"))
    colleague.click("#invitation-register")
    colleague.fill("#id_full_name", "Grace Hopper")
    colleague.fill("#id_password", PASSWORD)
    colleague.click("#register-form button[type=submit]")
    colleague.click("#invitation-accept-form button[type=submit]")
    colleague.wait_for_url(f"{base_url}/")
    expect(colleague.locator("#workspace-switcher option:checked")).to_have_text("Ada Lovelace's workspace (viewer)")
    membership = Membership.objects.get(user__email="grace@shop.test", workspace__name="Ada Lovelace's workspace")
    assert membership.role == "viewer"


def viewer_reads_without_write_controls(colleague, expected: dict) -> None:
    colleague.goto("/ecommerce/")
    expect(colleague.locator('[data-kpi="revenue"] .value')).to_have_attribute("title", f"${expected['revenue']:,}")
    colleague.pulse_screenshot("journey-06-viewer-dashboard")
    colleague.goto("/ecommerce/imports/")
    expect(colleague.locator("#read-only-notice")).to_be_visible()
    for where, controls in {
        "/ecommerce/imports/": ["#upload-form", "#upload-button"],
        "/api-metrics/": ["#project-actions", "text=New project", "#get-started .button"],
        "/sales/": ["#get-started .button"],
        "/accounts/workspace/members/": ["#invite-form", "#members select", "#members button"],
    }.items():
        colleague.goto(where)
        for control in controls:
            expect(colleague.locator(control)).to_have_count(0)
    colleague.pulse_screenshot("journey-07-viewer-no-write-controls")


def create_project_and_key(page) -> str:
    """From the empty state's link: a project, then a key; the key's secret, shown once."""
    page.goto("/api-metrics/")
    page.click("#get-started >> text=Create an API project")
    page.fill("#id_name", "Shop API")
    page.fill("#id_key", "shop-api")
    page.click("#project-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("The project Shop API was created: now give it a key.")
    page.fill("#key-form input[name=name]", "Production")
    page.click("#key-form button[type=submit]")
    expect(page.locator("#first-event")).to_have_text("Waiting for the first event…")
    page.pulse_screenshot("journey-08-key-created")
    return page.locator("#new-key").inner_text()


def test_a_new_user_goes_from_registering_to_counted_events_in_the_browser(browser_page, live_server, tmp_path):
    path = tmp_path / "online-retail-slice.csv"
    expected = cleaned_totals(write_slice(path))
    page = browser_page()

    register_and_verify(page, live_server.url)
    upload_and_read_kpis(page, path, expected)
    colleague = browser_page()
    invite_a_viewer(page, colleague, live_server.url)
    viewer_reads_without_write_controls(colleague, expected)
    secret = create_project_and_key(page)

    # One event sent as the page's curl snippet says; the indicator turns green, the list counts it.
    snippet = page.locator("#snippet-curl").inner_text()
    assert f"X-API-Key: {secret}" in snippet
    assert run_curl(snippet) == 202
    expect(page.locator("#first-event")).to_have_class(re.compile(r"\bok\b"), timeout=15_000)
    page.pulse_screenshot("journey-09-first-event")
    page.goto("/api-metrics/")
    expect(page.locator("#projects tbody tr")).to_contain_text("Shop API")
    expect(page.locator("#projects tbody tr td").nth(2)).to_have_text("1")  # requests
    page.pulse_screenshot("journey-10-counted")
    assert Project.objects.get(key="shop-api").workspace.name == "Ada Lovelace's workspace"
