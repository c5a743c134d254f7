"""Checks every page test in Chromium makes (issue 27): the page and its KPI cards fit the
viewport, every chart is drawn, and axe-core finds no serious or critical violation."""

import threading

from axe_playwright_python.sync_playwright import Axe

# Geometry read in the page: how far the page and each KPI card's figure reach past their boxes.
_OVERFLOW = """() => ({
  page: document.documentElement.scrollWidth - window.innerWidth,
  kpis: Array.from(document.querySelectorAll('.kpi'), (card) => {
    const value = card.querySelector('.value');
    const box = card.getBoundingClientRect();
    return Math.max(value.scrollWidth - value.clientWidth, Math.ceil(box.right) - window.innerWidth);
  }),
})"""


def page_overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0 or less: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def assert_page_fits_draws_and_passes_axe(page, label: str) -> None:
    """Every chart of the page drawn, nothing wider than the viewport, no KPI card overflowing,
    no serious or critical axe-core violation; ``label`` names the page in failures."""
    charts = page.locator(".pulse-chart").count()
    if charts:
        page.wait_for_function(f"document.querySelectorAll('.pulse-chart .main-svg').length >= {charts}")
    geometry = page.evaluate(_OVERFLOW)
    assert geometry["page"] <= 0, f"{label} is {geometry['page']} px too wide"
    assert all(over <= 0 for over in geometry["kpis"]), f"{label}: KPI overflow {geometry['kpis']}"
    serious = serious_violations(page)
    assert not serious, f"{label}:\n" + "\n".join(serious)


def click_centre(page, locator) -> None:
    """Click a chart's bar or region: Plotly listens on its drag layer over the plot, which a
    click at the element's centre reaches."""
    locator.wait_for()
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def one_at_a_time(app):
    """``app`` serving one request at a time, its whole body read inside the lock. The live server
    answers each browser connection in its own thread; on in-memory SQLite every thread uses the
    test's one connection, so two requests at once interleave their savepoints ("no such
    savepoint")."""
    lock = threading.Lock()

    def serve(environ, start_response):
        with lock:
            response = app(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
        return [body]

    return serve
