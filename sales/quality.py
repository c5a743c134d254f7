"""Data-quality checks of a workspace's sales records, and the once-per-incident owner alert.

A run is ``failing`` when some data is wrong (negative money, future dates, records whose
store belongs to another workspace), ``warning`` when it is suspicious or stale (no records,
nothing in the last 7 days, absurd amounts), ``ok`` otherwise. Consecutive failing runs share
one incident; only the run that opens it emails the owners.
"""

import datetime as dt
from decimal import Decimal

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from accounts.models import Membership, Workspace
from config import metrics
from sales.models import QualityReport, SalesRecord
from sales.selectors import latest_report
from sales.services import local_today

log = structlog.get_logger("pulse.sales.quality")

FRESHNESS_DAYS = 7
ABSURD_AMOUNT = Decimal("1000000")  # per store and day
ABSURD_ROAS = 100
SEVERITY = {"ok": 0, "warning": 1, "failing": 2}


def _check(name: str, status: str, value, message: str) -> dict:
    return {"name": name, "status": status, "value": value, "message": message}


def _counts(workspace: Workspace, today: dt.date) -> dict:
    """Every count the checks read, in one aggregate over the workspace's records, plus the
    records whose store belongs to another workspace."""
    row = SalesRecord.objects.filter(workspace=workspace).aggregate(
        total=Count("id"),
        recent=Count("id", filter=Q(date__gt=today - dt.timedelta(days=FRESHNESS_DAYS), date__lte=today)),
        latest=Max("date", filter=Q(date__lte=today)),
        negative=Count("id", filter=Q(revenue__lt=0) | Q(ad_spend__lt=0)),
        absurd=Count(
            "id",
            filter=Q(revenue__gt=ABSURD_AMOUNT)
            | Q(ad_spend__gt=ABSURD_AMOUNT)
            | Q(ad_spend__gt=0, revenue__gt=F("ad_spend") * ABSURD_ROAS),
        ),
        future=Count("id", filter=Q(date__gt=today)),
    )
    # Both directions: this workspace's records on a foreign store, and foreign records on its
    # stores. Only raw SQL or bulk operations can write them; the API refuses them.
    row["foreign"] = (
        SalesRecord.objects.filter(Q(workspace=workspace) | Q(store__workspace=workspace))
        .exclude(workspace=F("store__workspace"))
        .count()
    )
    return row


def run_checks(workspace: Workspace) -> list[dict]:
    today = local_today(workspace)
    row = _counts(workspace, today)
    total, latest = row["total"], row["latest"]
    age = (today - latest).days if latest else None
    if latest is None:
        freshness = "No data to be fresh."
    else:
        freshness = f"Latest data {latest.isoformat()} ({age} days old); expected within {FRESHNESS_DAYS} days."
    return [
        _check(
            "record_count",
            "ok" if total else "warning",
            total,
            f"{total} records, {row['recent']} in the last {FRESHNESS_DAYS} days."
            if total
            else "No sales records yet.",
        ),
        _check(
            "freshness",
            "ok" if age is not None and age < FRESHNESS_DAYS else "warning",
            latest.isoformat() if latest else None,
            freshness,
        ),
        _check(
            "negative_values",
            "failing" if row["negative"] else "ok",
            row["negative"],
            f"{row['negative']} records with negative revenue or ad spend.",
        ),
        _check(
            "absurd_values",
            "warning" if row["absurd"] else "ok",
            row["absurd"],
            f"{row['absurd']} records above {ABSURD_AMOUNT:,} a day or with ROAS above {ABSURD_ROAS}.",
        ),
        _check(
            "future_dates",
            "failing" if row["future"] else "ok",
            row["future"],
            f"{row['future']} records dated after today ({today.isoformat()}).",
        ),
        _check(
            "foreign_store",
            "failing" if row["foreign"] else "ok",
            row["foreign"],
            f"{row['foreign']} records whose store belongs to another workspace.",
        ),
    ]


def overall_status(checks: list[dict]) -> str:
    return max((check["status"] for check in checks), key=SEVERITY.__getitem__, default="ok")


def _alert_owners(workspace: Workspace, report: QualityReport) -> int:
    emails = list(
        Membership.objects.filter(workspace=workspace, role=Membership.Role.OWNER, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return 0
    failing = [check for check in report.checks if check["status"] == "failing"]
    lines = "\n".join(f"- {check['name']}: {check['message']}" for check in failing)
    send_mail(
        subject=f"[Pulse] Sales data quality failing in {workspace.name}",
        message=(
            f"The data-quality checks of {workspace.name} found problems at "
            f"{report.generated_at:%Y-%m-%d %H:%M} UTC:\n\n{lines}\n\n"
            "You will get one email per incident: the next one after the checks pass again."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=emails,
    )
    return len(emails)


def quality_check_run(*, workspace_id: int) -> QualityReport:
    """Run the checks, store the report, email the owners when this run opens an incident.

    The workspace row is locked for the run, so two concurrent runs cannot both open the same
    incident. The email is sent inside the transaction: if sending fails the run rolls back and
    the task's retry alerts again, so an incident is never silently left unannounced.
    """
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
        checks = run_checks(workspace)
        status = overall_status(checks)
        previous = latest_report(QualityReport, workspace)
        now = timezone.now()
        report = QualityReport(workspace=workspace, generated_at=now, status=status, checks=checks)
        if status == QualityReport.Status.FAILING:
            ongoing = previous is not None and previous.status == QualityReport.Status.FAILING
            report.incident_started_at = previous.incident_started_at if ongoing else now
            report.alerted = not ongoing
        report.save()
        if report.alerted:
            sent = _alert_owners(workspace, report)
            log.warning("sales_quality_incident", workspace_id=workspace.pk, recipients=sent)
    metrics.quality_status(workspace_id=workspace.pk, status=report.status)
    return report
