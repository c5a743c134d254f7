"""The API metrics filters in Chromium at 1366 px (the ``mix`` fixture, see test_filters.py): a
click on an endpoint's bar applies its chip, which survives a change of the time controls and
can be removed; the filtered page fits, draws and passes axe at 360 px."""

import pytest

from tests.browser import assert_page_fits_draws_and_passes_axe, click_centre

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DAY = "/api-metrics/shop/?date_from=2026-03-10&date_to=2026-03-10"


def _requests(page) -> str:
    return page.locator("#kpis .kpi").first.locator(".value").inner_text()


def _chips(page) -> list[str]:
    return [" ".join(chip.replace("×", "").split()) for chip in page.locator("#filter-chips li").all_inner_texts()]


def test_a_bar_applies_a_chip_that_survives_the_time_controls_and_is_removable(browser_page, mix, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(DAY)
    assert _requests(page) == "9"
    # Endpoints by requests, drawn bottom up: GET /items (6) is the top bar, the last drawn.
    click_centre(page, page.locator("#endpoints-chart .pulse-chart g.point path").last)
    page.wait_for_url(
        "**/api-metrics/shop/?preset=custom&date_from=2026-03-10&date_to=2026-03-10&endpoint=GET+%2Fitems"
    )
    assert _chips(page) == ["Endpoint: GET /items"]
    assert _requests(page) == "6"

    # A consumer's bar adds its chip to the endpoint's: a called GET /items 3 times, b twice, the top bar.
    click_centre(page, page.locator("#consumers-chart .pulse-chart g.point path").last)
    page.wait_for_url("**&endpoint=GET+%2Fitems&consumer=*")
    page.wait_for_url("**&endpoint=GET+%2Fitems&consumer=a")
    assert _chips(page) == ["Endpoint: GET /items", "Consumer: a"]
    assert _requests(page) == "3"  # events 1, 2 and 5
    consumer = "Consumer: a"

    # Another interval and range through the time controls: the chips stay.
    page.select_option("select[name=interval]", "hour")
    page.fill("input[name=date_from]", "2026-03-09")
    page.click("#date-filter button[type=submit]")
    page.wait_for_url("**interval=hour**")
    assert _chips(page) == ["Endpoint: GET /items", consumer]
    assert "endpoint=GET+%2Fitems" in page.url

    # A preset of the data's last days, then a live one: the chips stay.
    for preset in ("7d", "24h"):
        page.select_option("#preset", preset)
        page.click("#date-filter button[type=submit]")
        page.wait_for_url(f"**preset={preset}**")
        assert _chips(page) == ["Endpoint: GET /items", consumer]
    assert _requests(page) == "0"  # nothing in the last 24 hours of today
    page.goto(page.url.replace("preset=24h", "preset=7d"))
    assert _requests(page) == "3"  # 4 to 10 March, the data's last week

    assert_page_fits_draws_and_passes_axe(page, "the filtered project page at 1366 px")
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert_page_fits_draws_and_passes_axe(page, "the filtered project page at 360 px")
    page.pulse_screenshot("apimetrics-filtered-360")

    # Removing the endpoint's chip keeps the consumer's, the range and the interval chosen.
    page.click("#filter-chips li[data-filter=endpoint] .chip-remove")
    page.wait_for_url("**preset=7d&interval=hour&consumer=a")
    assert _chips(page) == [consumer]
    assert _requests(page) == "5"
    assert "endpoint=" not in page.url
