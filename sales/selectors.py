"""Reads of the sales app besides the analytics: the reports of the ETL and data-quality runs."""

from typing import TypeVar

from accounts.models import Workspace
from sales.models import InsightReport, QualityReport

Report = TypeVar("Report", InsightReport, QualityReport)


def latest_report(model: type[Report], workspace: Workspace) -> Report | None:
    """The workspace's newest report of ``model`` (the latest run), or None before the first.
    One query, on the ``(workspace, -generated_at)`` index."""
    return model.objects.filter(workspace=workspace).order_by("-generated_at", "-id").first()
