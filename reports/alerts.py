"""Evaluating alert rules: what a rule measures, whether its condition holds, and its state.

A rule reads one registered scalar (:meth:`config.insights.Insight.scalar`) over a window of
local days, so every reading goes through the insight's cached, rollup-backed computation.
Conditions:

- ``threshold``: the value is above (or below) ``threshold``;
- ``change``: the value moved by more than ``threshold`` percent, up (``above``), down
  (``below``) or either way, against the previous window of equal length or the mean of the
  same window in each of the ``weeks`` previous weeks;
- ``anomaly``: the value leaves the band median ± ``threshold``·MAD of the same window in each of
  the ``weeks`` previous weeks (median and MAD are not pulled by one outlying week, as a mean and
  a standard deviation would be).

A reading without a value (no data, a baseline of zero, fewer than three weeks for a band) is
"no data": it changes no state, so a rule neither fires nor resolves on a gap.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

from config.errors import Conflict, DomainError
from config.insights import get_insight
from config.periods import Period
from reports.models import AlertRule

Condition, Direction, Baseline = AlertRule.Condition, AlertRule.Direction, AlertRule.Baseline
HUNDRED = Decimal(100)
MIN_BAND_WEEKS = 3
ERROR_CHARS = 300


@dataclass(frozen=True)
class Reading:
    """One evaluation: the window's value, what it was compared with (the threshold, the
    baseline, the band's median), the percent change where the condition is one, and whether the
    condition holds (None: no data)."""

    period: Period
    value: Decimal | None
    reference: Decimal | None = None
    change_pct: Decimal | None = None
    breached: bool | None = None

    @property
    def outcome(self) -> str:
        if self.breached is None:
            return AlertRule.Outcome.NO_DATA
        return AlertRule.Outcome.BREACH if self.breached else AlertRule.Outcome.CLEAR


def window(rule: AlertRule, now: dt.datetime) -> Period:
    """The ``window_days`` local days the rule reads: ending today (so far) or yesterday."""
    today = now.astimezone(ZoneInfo(rule.workspace.timezone)).date()
    end = today if rule.include_today else today - dt.timedelta(days=1)
    return Period(end - dt.timedelta(days=rule.window_days - 1), end)


def _shifted(period: Period, days: int) -> Period:
    date_from, date_to = period.ends()
    return Period(date_from - dt.timedelta(days=days), date_to - dt.timedelta(days=days))


def _beyond(value: Decimal, low: Decimal, high: Decimal, direction: str) -> bool:
    """Whether ``value`` is past ``high`` (above), under ``low`` (below), or either."""
    above, below = value > high, value < low
    return {Direction.ABOVE: above, Direction.BELOW: below}.get(direction, above or below)


class Unreadable(Conflict):
    """What the rule names is gone (a deleted project, a metric no longer registered)."""


def read(rule: AlertRule, now: dt.datetime, payloads: dict[Hashable, Any] | None = None) -> Reading:
    """Evaluate ``rule`` at ``now`` without changing it (what "test this rule" shows); raises
    Unreadable when the rule no longer names a readable metric. ``payloads`` is a round's memo
    of the payloads read (:meth:`config.insights.Insight.scalar`)."""
    try:
        return _read(rule, now, payloads)
    except (DomainError, ValidationError, KeyError) as error:
        if isinstance(error, KeyError):
            reason = f"{rule.insight}:{rule.metric} is not a registered metric."
        else:
            reason = error.message if isinstance(error, DomainError) else str(error.detail)
        raise Unreadable(f"The rule cannot be read: {reason}"[:ERROR_CHARS]) from error


def _read(rule: AlertRule, now: dt.datetime, payloads: dict[Hashable, Any] | None) -> Reading:
    insight = get_insight(rule.insight)
    period = window(rule, now)

    def value_of(days_back: int) -> Decimal | None:
        shifted = _shifted(period, days_back)
        return insight.scalar(rule.workspace, rule.metric, shifted, rule.filters, payloads=payloads)

    value = value_of(0)
    if value is None:
        return Reading(period, None)
    if rule.condition == Condition.THRESHOLD:
        threshold = rule.threshold
        return Reading(period, value, threshold, None, _beyond(value, threshold, threshold, rule.direction))
    if rule.condition == Condition.CHANGE and rule.baseline == Baseline.PREVIOUS_PERIOD:
        history = [value_of(period.days)]
    else:
        history = [value_of(7 * week) for week in range(1, rule.weeks + 1)]
    known = [past for past in history if past is not None]
    if rule.condition == Condition.CHANGE:
        return _change(period, value, known, rule)
    return _anomaly(period, value, known, rule)


def _change(period: Period, value: Decimal, history: list[Decimal], rule: AlertRule) -> Reading:
    if not history or sum(history) == 0:
        return Reading(period, value)  # no baseline to take a percent of
    base = sum(history) / len(history)
    change = (value - base) / abs(base) * HUNDRED
    return Reading(period, value, base, change, _beyond(change, -rule.threshold, rule.threshold, rule.direction))


def _anomaly(period: Period, value: Decimal, history: list[Decimal], rule: AlertRule) -> Reading:
    if len(history) < MIN_BAND_WEEKS:
        return Reading(period, value)
    median = statistics.median(history)
    mad = statistics.median(abs(past - median) for past in history)
    spread = rule.threshold * mad
    return Reading(period, value, median, None, _beyond(value, median - spread, median + spread, rule.direction))


def next_state(rule: AlertRule, reading: Reading, now: dt.datetime) -> str | None:
    """Advance the rule's state machine by one reading; returns the transition (``"fired"`` or
    ``"resolved"``) or None. The observed state must last ``hold_minutes`` before the rule takes
    it, so a value crossing back and forth notifies no one."""
    if reading.breached is None:
        return None
    wanted = AlertRule.State.FIRING if reading.breached else AlertRule.State.OK
    if wanted == rule.state:
        rule.pending_since = None
        return None
    if rule.pending_since is None:
        rule.pending_since = now
    if now - rule.pending_since < dt.timedelta(minutes=rule.hold_minutes):
        return None
    rule.state, rule.pending_since = wanted, None
    return "fired" if wanted == AlertRule.State.FIRING else "resolved"
