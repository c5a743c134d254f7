"""The nightly ETL: read the sales insights (the same registered, cached figures the API serves),
turn them into a monthly trend and findings, and store the report (served cached by
``/insights``)."""

import calendar
import datetime as dt
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from config import metrics
from config.insights import get_insight
from config.money import money
from config.periods import Period, growth_pct
from sales import analytics
from sales.models import InsightReport

EXCELLENT_ROAS, PROFITABLE_ROAS = 3, 1
TOP_USERS = 5
NO_DATA = "No sales records yet: nothing to analyse."


def _summary(workspace: Workspace, totals: dict) -> dict:
    """The report's summary: the ``sales.summary`` insight's totals over the whole history, with
    the days that had sales and the average revenue per calendar day."""
    summary = {key: totals[key] for key in ("total_revenue", "total_ad_spend", "roas", "records")}
    first, last = totals["date_from"], totals["date_to"]
    days_with_sales = analytics.records_in(workspace, Period()).values("date").distinct().count() if first else 0
    # Days without records count as zero-revenue days: the average is per calendar day.
    calendar_days = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1 if first else 1
    return {
        **summary,
        "days_with_sales": days_with_sales,
        "date_from": first,
        "date_to": last,
        "average_daily_revenue": money(Decimal(totals["total_revenue"]) / calendar_days),
    }


def _monthly(series: dict) -> list[dict]:
    """The monthly trend: the ``sales.series`` insight's months with their labels and growth."""
    monthly, previous_revenue = [], None
    for bucket in series["buckets"]:
        month, revenue = dt.date.fromisoformat(bucket["bucket"]), Decimal(bucket["revenue"])
        monthly.append(
            {
                "month": bucket["bucket"],
                "label": f"{calendar.month_name[month.month]} {month.year}",
                **{key: bucket[key] for key in ("revenue", "ad_spend", "roas", "records")},
                "revenue_growth_pct": growth_pct(revenue, previous_revenue),
            }
        )
        previous_revenue = revenue
    return monthly


def analyse(workspace: Workspace) -> tuple[dict, list[dict], list[dict]]:
    """(summary, monthly trend, findings) of the workspace's whole history."""
    whole = Period()
    summary = _summary(workspace, get_insight("sales.summary").value(workspace, period=whole, compare="previous"))
    monthly = _monthly(get_insight("sales.series").value(workspace, period=whole, interval="month"))
    if summary["date_from"] is None:
        return summary, monthly, [{"level": "info", "code": "no_data", "message": NO_DATA}]
    return summary, monthly, _findings(summary, monthly)


def _finding(level: str, code: str, message: str, **extra) -> dict:
    return {"level": level, "code": code, **extra, "message": message}


def _roas_finding(overall: float | None) -> dict:
    if overall is None:
        return _finding("info", "no_ad_spend", "No ad spend recorded: ROAS undefined.")
    if overall > EXCELLENT_ROAS:
        return _finding("good", "roas_excellent", f"ROAS above 3: excellent ({overall:.2f}).")
    if overall >= PROFITABLE_ROAS:
        return _finding(
            "info", "roas_profitable", f"ROAS between 1 and 3: profitable, room to improve ({overall:.2f})."
        )
    return _finding(
        "warning", "roas_unprofitable", f"ROAS below 1 overall: ads cost more than they bring ({overall:.2f})."
    )


def _month_findings(summary: dict, monthly: list[dict]) -> list[dict]:
    """The best and the weakest month, when there are two to compare."""
    active = [month for month in monthly if month["records"]]
    # Partial first and last months would always look weakest: rank whole months when possible.
    whole = [month for month in active if _is_whole(month["month"], summary["date_from"], summary["date_to"])]
    if len(whole) > 1:
        active = whole
    if len(active) < 2:
        return []
    best = max(active, key=lambda month: (Decimal(month["revenue"]), month["month"]))
    worst = min(active, key=lambda month: (Decimal(month["revenue"]), month["month"]))
    return [
        _finding("info", "best_month", f"Best month: {best['label']} ({best['revenue']})."),
        _finding("info", "worst_month", f"Weakest month: {worst['label']} ({worst['revenue']})."),
    ]


def _findings(summary: dict, monthly: list[dict]) -> list[dict]:
    below = [
        _finding(
            "warning",
            "roas_below_1_month",
            f"ROAS below 1 in {month['label']}: warning ({month['roas']:.2f}).",
            month=month["month"],
        )
        for month in monthly
        if month["roas"] is not None and month["roas"] < PROFITABLE_ROAS
    ]
    span = f"{summary['date_from']} to {summary['date_to']}"
    average = _finding(
        "info", "average_daily_revenue", f"Average daily revenue {summary['average_daily_revenue']} over {span}."
    )
    return [_roas_finding(summary["roas"]), *below, average, *_month_findings(summary, monthly)]


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
    summary, monthly, findings = analyse(workspace)
    top = get_insight("sales.top_users").value(workspace, period=Period(), limit=TOP_USERS)
    report = InsightReport.objects.create(
        workspace=workspace,
        generated_at=timezone.now(),
        duration_ms=round((time.perf_counter() - started) * 1000),
        summary=summary,
        monthly=monthly,
        top_users=top,
        findings=findings,
    )
    metrics.etl_run(status="succeeded", duration_s=report.duration_ms / 1000)
    return report
