"""The nightly ETL: extract daily totals with the database, transform them with pandas into a
monthly trend and findings, load the report (stored, and served cached by ``/insights``).

The database reduces the records to one row per day before pandas sees them; money stays
``Decimal`` end to end (pandas sums Decimal objects exactly), only ROAS is a float.
"""

import calendar
import datetime as dt
import time
from decimal import Decimal

import pandas as pd
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Workspace
from config import metrics
from config.cache import bump_data_version
from config.money import money
from config.periods import Period, growth_pct
from sales import analytics
from sales.models import InsightReport
from sales.services import REPORTS_NAMESPACE

EXCELLENT_ROAS, PROFITABLE_ROAS = 3, 1
TOP_USERS = 5


def extract(workspace: Workspace) -> pd.DataFrame:
    """One row per day with sales: date, revenue, ad_spend, records (Decimal money)."""
    rows = list(
        analytics.records_in(workspace, Period())
        .values("date")
        .annotate(revenue=Sum("revenue"), ad_spend=Sum("ad_spend"), records=Count("*"))
        .order_by("date")
    )
    frame = pd.DataFrame(rows, columns=["date", "revenue", "ad_spend", "records"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _month_label(period: pd.Period) -> str:
    return f"{calendar.month_name[period.month]} {period.year}"


def transform(daily: pd.DataFrame) -> tuple[dict, list[dict], list[dict]]:
    """(summary, monthly trend, findings) of the daily totals."""
    if daily.empty:
        summary = {
            "total_revenue": money(0),
            "total_ad_spend": money(0),
            "roas": None,
            "records": 0,
            "days_with_sales": 0,
            "date_from": None,
            "date_to": None,
            "average_daily_revenue": money(0),
        }
        findings = [{"level": "info", "code": "no_data", "message": "No sales records yet: nothing to analyse."}]
        return summary, [], findings

    revenue, ad_spend = daily["revenue"].sum(), daily["ad_spend"].sum()
    first, last = daily["date"].min(), daily["date"].max()
    calendar_days = (last - first).days + 1
    # Days without records count as zero-revenue days: the average is per calendar day.
    average_daily = revenue / Decimal(calendar_days)
    summary = {
        "total_revenue": money(revenue),
        "total_ad_spend": money(ad_spend),
        "roas": analytics.roas(revenue, ad_spend),
        "records": int(daily["records"].sum()),
        "days_with_sales": len(daily),
        "date_from": first.date().isoformat(),
        "date_to": last.date().isoformat(),
        "average_daily_revenue": money(average_daily),
    }

    by_month = daily.assign(month=daily["date"].dt.to_period("M")).groupby("month")
    months = by_month.agg(revenue=("revenue", "sum"), ad_spend=("ad_spend", "sum"), records=("records", "sum"))
    months = months.reindex(pd.period_range(months.index.min(), months.index.max(), freq="M"))
    months["records"] = months["records"].fillna(0).astype(int)
    for column in ("revenue", "ad_spend"):
        months[column] = [Decimal(0) if pd.isna(value) else value for value in months[column]]
    monthly, previous_revenue = [], None
    for period, values in zip(months.index, months.to_dict("records"), strict=True):
        monthly.append(
            {
                "month": period.start_time.date().isoformat(),
                "label": _month_label(period),
                "revenue": money(values["revenue"]),
                "ad_spend": money(values["ad_spend"]),
                "roas": analytics.roas(values["revenue"], values["ad_spend"]),
                "records": values["records"],
                "revenue_growth_pct": growth_pct(values["revenue"], previous_revenue),
            }
        )
        previous_revenue = values["revenue"]
    return summary, monthly, _findings(summary, monthly)


def _findings(summary: dict, monthly: list[dict]) -> list[dict]:
    findings = []
    overall = summary["roas"]
    if overall is None:
        findings.append({"level": "info", "code": "no_ad_spend", "message": "No ad spend recorded: ROAS undefined."})
    elif overall > EXCELLENT_ROAS:
        findings.append(
            {"level": "good", "code": "roas_excellent", "message": f"ROAS above 3: excellent ({overall:.2f})."}
        )
    elif overall >= PROFITABLE_ROAS:
        findings.append(
            {
                "level": "info",
                "code": "roas_profitable",
                "message": f"ROAS between 1 and 3: profitable, room to improve ({overall:.2f}).",
            }
        )
    else:
        findings.append(
            {
                "level": "warning",
                "code": "roas_unprofitable",
                "message": f"ROAS below 1 overall: ads cost more than they bring ({overall:.2f}).",
            }
        )
    findings.extend(
        {
            "level": "warning",
            "code": "roas_below_1_month",
            "month": month["month"],
            "message": f"ROAS below 1 in {month['label']}: warning ({month['roas']:.2f}).",
        }
        for month in monthly
        if month["roas"] is not None and month["roas"] < PROFITABLE_ROAS
    )
    findings.append(
        {
            "level": "info",
            "code": "average_daily_revenue",
            "message": f"Average daily revenue {summary['average_daily_revenue']} over "
            f"{summary['date_from']} to {summary['date_to']}.",
        }
    )
    active = [month for month in monthly if month["records"]]
    # Partial first and last months would always look weakest: rank whole months when possible.
    whole = [month for month in active if _is_whole(month["month"], summary["date_from"], summary["date_to"])]
    if len(whole) > 1:
        active = whole
    if len(active) > 1:
        best = max(active, key=lambda month: (Decimal(month["revenue"]), month["month"]))
        worst = min(active, key=lambda month: (Decimal(month["revenue"]), month["month"]))
        findings.append(
            {"level": "info", "code": "best_month", "message": f"Best month: {best['label']} ({best['revenue']})."}
        )
        findings.append(
            {
                "level": "info",
                "code": "worst_month",
                "message": f"Weakest month: {worst['label']} ({worst['revenue']}).",
            }
        )
    return findings


def _is_whole(month: str, first: str, last: str) -> bool:
    """The data covers the month from its first to its last day."""
    start = dt.date.fromisoformat(month)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return dt.date.fromisoformat(first) <= start and end <= dt.date.fromisoformat(last)


@transaction.atomic
def insights_generate(*, workspace_id: int) -> InsightReport:
    """Run the ETL for one workspace and store its report (safe to run twice: each run is a new
    report; readers take the latest)."""
    started = time.perf_counter()
    workspace = Workspace.objects.get(pk=workspace_id)
    summary, monthly, findings = transform(extract(workspace))
    top = analytics.top_users(workspace, Period(), TOP_USERS)
    report = InsightReport.objects.create(
        workspace=workspace,
        generated_at=timezone.now(),
        duration_ms=round((time.perf_counter() - started) * 1000),
        summary=summary,
        monthly=monthly,
        top_users=top,
        findings=findings,
    )
    bump_data_version(REPORTS_NAMESPACE, workspace.pk)
    metrics.etl_run(status="succeeded", duration_s=report.duration_ms / 1000)
    return report
