"""In Chromium: annotations drawn on the time charts and added by clicking one; a shared page
that links nowhere and whose visitor reaches no API."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from reports.models import Annotation
from reports.sharing import share_link_create
from tests.browser import assert_page_fits_draws_and_passes_axe
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def march(workspace):
    store = StoreFactory(workspace=workspace, name="Downtown")
    for day in range(1, 11):
        SalesRecordFactory(store=store, date=dt.date(2026, 3, day), revenue=Decimal(100 * day), ad_spend=Decimal(10))
    Annotation.objects.create(
        workspace=workspace, starts_at=dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC), text="Price change"
    )
    Annotation.objects.create(
        workspace=workspace,
        starts_at=dt.datetime(2026, 3, 6, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
        text="Spring sale",
    )
    Annotation.objects.create(workspace=workspace, starts_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC), text="Later")
    return store


def test_annotations_are_drawn_on_every_time_chart_and_added_by_a_click(browser_page, owner, march):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    page.goto("/sales/?date_from=2026-03-01&date_to=2026-03-10&interval=day")
    page.wait_for_selector("#revenue-chart .main-svg")
    page.wait_for_selector("#roas-chart .main-svg")
    for chart in ("#revenue-chart", "#roas-chart"):
        # One line and one band, each with its label, and the two listed under the chart.
        strokes = page.eval_on_selector_all(f"{chart} .shapelayer path", "els => els.map(e => e.style.stroke)")
        assert strokes.count("rgb(180, 83, 9)") == 2  # the annotations' colour; a chart may draw shapes of its own
        labels = page.eval_on_selector_all(f"{chart} .annotation-text", "els => els.map(e => e.textContent)")
        assert labels[-2:] == ["Price change", "Spring sale"]  # after the chart's own (ROAS break-even)
        assert page.locator(f"{chart} .chart-annotations li").all_inner_texts() == [
            "2026-03-04 09:00 Price change",
            "2026-03-06 00:00 – 2026-03-08 00:00 Spring sale",
        ]
    page.pulse_screenshot("annotations-on-sales")

    page.locator("#revenue-chart .barlayer .point").nth(1).click(force=True)
    form = page.locator("#annotation-form")
    form.wait_for(state="visible")
    assert page.input_value("#annotation-form [name=starts_at]") == "2026-03-02T00:00"
    page.fill("#annotation-form [name=text]", "Newsletter")
    page.click("#annotation-form button[type=submit]")
    page.wait_for_selector("#revenue-chart .main-svg")
    assert "date_from=2026-03-01" in page.url
    added = Annotation.objects.get(text="Newsletter")
    assert (added.starts_at, added.created_by) == (dt.datetime(2026, 3, 2, tzinfo=dt.UTC), owner)
    assert page.locator("#revenue-chart .chart-annotations li").count() == 3


def test_viewer_sees_annotations_but_no_form(browser_page, viewer, march):
    page = browser_page(viewer)
    page.set_default_timeout(45_000)
    page.goto("/sales/?date_from=2026-03-01&date_to=2026-03-10&interval=day")
    page.wait_for_selector("#revenue-chart .main-svg")
    assert page.locator("#revenue-chart .chart-annotations li").count() == 2
    assert page.locator("#annotation-form").count() == 0


def test_shared_page_reveals_no_other_path_and_no_api(browser_page, workspace, owner, march):
    issued = share_link_create(
        workspace=workspace,
        user=owner,
        dashboard="sales",
        range_kind="fixed",
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 10),
    )
    page = browser_page()
    page.set_default_timeout(45_000)
    page.goto(issued.path)
    page.wait_for_selector("#revenue-chart .main-svg")
    assert page.locator("#revenue-chart .chart-annotations li").count() == 2
    hrefs = page.eval_on_selector_all("a[href], area[href]", "els => els.map(e => e.getAttribute('href'))")
    assert [href for href in hrefs if not href.startswith("#")] == []
    assert page.locator("form, [formaction]").count() == 0
    page.pulse_screenshot("shared-sales")
    # With the page's cookies (its session, its CSRF cookie), outside the page: a refused fetch
    # inside it would be a console error.
    paths = [
        "/api/v1/sales/summary",
        "/api/v1/sales/series?interval=day",
        "/api/v1/annotations/",
        "/api/v1/share-links/",
        "/api/v1/users/me",
        "/api/v1/workspaces/",
        "/api/v1/insights/",
        "/sales/",
        "/reports/annotations/",
    ]
    statuses = [(path, page.context.request.get(path, max_redirects=0).status) for path in paths]
    assert [path for path, status in statuses if 200 <= status < 300] == []


def test_digest_preview_writes_the_workspaces_locale_and_fits_phones(browser_page, workspace, viewer):
    """The preview of the last whole week (2 to 8 March, from 10 March) in de_DE and euros."""
    workspace.locale, workspace.currency = "de_DE", "EUR"
    workspace.save()
    store = StoreFactory(workspace=workspace, name="Downtown")
    for day, revenue in ((dt.date(2026, 2, 24), 100), (dt.date(2026, 3, 2), 150), (dt.date(2026, 3, 8), 200)):
        SalesRecordFactory(store=store, date=day, revenue=Decimal(revenue), ad_spend=Decimal(25))
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)):
        page = browser_page(viewer)
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/reports/digest/")
            revenue = page.locator(".digest-kpis tbody tr").first
            assert revenue.locator("td").all_inner_texts() == ["Revenue", "350,00\xa0€", "100,00\xa0€", "+250,0\xa0%"]
            assert "Downtown: 350,00\xa0€ (+250,00\xa0€)" in page.locator("#digest-preview-panel").inner_text()
            assert_page_fits_draws_and_passes_axe(page, f"the digest page at {width} px")
