"""``{% chart_marks %}``: the annotations of a dashboard page as JSON data for
``static/js/charts.js``, which draws those that fall in each time chart and lists them under it."""

from typing import Any

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from config import timeline

register = template.Library()


@register.simple_tag(takes_context=True)
def chart_marks(context: template.Context) -> SafeString | str:
    """The marks of the page's ``workspace`` within its ``period``, narrowed to its API
    ``project`` where the page has one (marks of the whole workspace included), in the clock of
    the page's axes: the project's time zone on a project's page."""
    workspace = context.get("workspace")
    if not workspace:
        return ""
    project: Any = context.get("project") or None
    marks = timeline.chart_marks(
        workspace,
        period=context.get("period"),
        project_id=getattr(project, "pk", None),
        time_zone=getattr(project, "timezone", None),
    )
    return json_script(marks, "pulse-annotations")
