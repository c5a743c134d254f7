"""When revenue comes in: by local hour of day, by day of week, and both (the heat map)."""

from __future__ import annotations

import calendar

from accounts.models import Workspace
from config.money import money, ratio
from config.periods import Period
from ecommerce.analytics.reductions import (
    EVERY_LINE,
    NO_SALES,
    ZERO,
    Payload,
    Scope,
    by_local_time,
    period_json,
    sales_lines,
)


def revenue_by_hour(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Revenue, orders and units of the scope's lines by local hour of day, all 24 hours in order."""
    found = by_local_time(sales_lines(workspace, period, scope), workspace.tzinfo, lambda local: local.hour)
    total = sum((row["revenue"] for row in found.values()), ZERO)
    rows = []
    for hour in range(24):
        row = found.get(hour, NO_SALES)
        rows.append(
            {
                "hour": hour,
                "revenue": money(row["revenue"]),
                "orders": row["orders"],
                "units": row["units"],
                "revenue_share": ratio(row["revenue"], total),
            }
        )
    return {**period_json(period), "rows": rows}


def revenue_by_weekday(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Revenue, orders and units by local day of week, Monday first, all seven days present."""
    found = by_local_time(sales_lines(workspace, period, scope), workspace.tzinfo, lambda local: local.isoweekday())
    total = sum((row["revenue"] for row in found.values()), ZERO)
    rows = []
    for weekday in range(1, 8):
        row = found.get(weekday, NO_SALES)
        rows.append(
            {
                "weekday": weekday,
                "name": calendar.day_name[weekday - 1],
                "revenue": money(row["revenue"]),
                "orders": row["orders"],
                "units": row["units"],
                "revenue_share": ratio(row["revenue"], total),
            }
        )
    return {**period_json(period), "rows": rows}


def revenue_by_weekday_hour(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Revenue per (weekday, hour) cell: 7 × 24, Monday first (the dashboard's heat map)."""
    found = by_local_time(
        sales_lines(workspace, period, scope), workspace.tzinfo, lambda local: (local.isoweekday(), local.hour)
    )
    cells = []
    for weekday in range(1, 8):
        for hour in range(24):
            row = found.get((weekday, hour))
            cells.append(
                {
                    "weekday": weekday,
                    "name": calendar.day_name[weekday - 1],
                    "hour": hour,
                    "revenue": money(row["revenue"] if row else ZERO),
                    "orders": row["orders"] if row else 0,
                }
            )
    return {**period_json(period), "rows": cells}
