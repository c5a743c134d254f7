"""E-commerce drill-down pages: one country, one customer, one product.

Each page reads one detail insight (:mod:`ecommerce.insights`), the same cached result the
API serves and its CSV exports; the dashboards' rows, bars and map regions link here.
"""

from urllib.parse import quote

from django.http import Http404

from config.errors import NotFound
from ecommerce import charts
from ecommerce.views import PRODUCT_LINKS, EcommercePage


class DetailPage(EcommercePage):
    """A page of one thing the URL names (``url_kwarg``), read from the insight ``detail``; an
    unknown one is the 404 page."""

    detail = ""
    url_kwarg = ""
    api_path = ""  # the detail endpoint under /api/v1/ecommerce/, before the key
    # The page's CSV links: each one's name and the endpoint's ``table`` (None: its main table).
    csv_tables: dict[str, str | None] = {}
    # The filters are read, shown and carried back to the dashboards, but the page is already one
    # country's, customer's or product's.
    filters_note = "The filters narrow the dashboards, not this page."

    def page_context(self) -> dict:
        key = self.kwargs[self.url_kwarg]
        try:
            payload = self.insight(self.detail, **{self.url_kwarg: key})
        except NotFound as error:
            raise Http404(error.message) from error
        return {
            "detail": payload,
            "series_chart": charts.to_html(
                charts.revenue_series_figure(payload["monthly"], None, self.workspace.currency)
            ),
            "csv": self.detail_csv(key),
            **self.extra_context_for(payload),
        }

    def detail_csv(self, key: str) -> dict[str, str]:
        path = f"{self.api_path}/{quote(key, safe='')}"
        return {
            name: self.api_csv(path, **({"table": table} if table else {})) for name, table in self.csv_tables.items()
        }

    def extra_context_for(self, payload: dict) -> dict:
        return {}


class CountryView(DetailPage):
    template_name = "ecommerce/country.html"
    tab = "dashboard"
    detail = "country"
    url_kwarg = "name"
    api_path = "countries"
    csv_tables = {"monthly": None, "kpis": "kpis", "products": "top_products", "customers": "top_customers"}

    def extra_context_for(self, payload: dict) -> dict:
        products = payload["top_products"]
        return {
            "products_chart": self.linked_chart(
                charts.top_products_figure(products, "net_revenue", self.workspace.currency),
                self.with_links(products, *PRODUCT_LINKS),
                charts.product_label,
                "detail_url",
            ),
        }


class CustomerView(DetailPage):
    template_name = "ecommerce/customer.html"
    tab = "customers"
    detail = "customer"
    url_kwarg = "customer_id"
    api_path = "customers"
    csv_tables = {"orders": None, "kpis": "kpis", "monthly": "monthly", "returns": "returns"}

    def extra_context_for(self, payload: dict) -> dict:
        ltv = self.insight("lifetime_value")
        predicted = ltv["predicted"] or {}
        by_segment = {row["segment"]: row for row in predicted.get("by_segment", [])}
        return {"segment_value": by_segment.get(payload["segment"]) if predicted.get("available") else None}


class ProductView(DetailPage):
    template_name = "ecommerce/product.html"
    tab = "products"
    detail = "product"
    url_kwarg = "stock_code"
    api_path = "products"
    csv_tables = {"monthly": None, "kpis": "kpis", "countries": "top_countries"}

    def extra_context_for(self, payload: dict) -> dict:
        rows = payload["top_countries"]
        return {
            "map_chart": self.linked_chart(
                charts.countries_map_figure(rows, self.workspace.currency),
                self.with_links(rows, "country", "country", "country"),
                lambda row: row["label"],
                "detail_url",
            )
        }
