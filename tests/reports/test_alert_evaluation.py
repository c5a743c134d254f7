"""Alert evaluation over hand-built daily sales, with a frozen clock: each condition, the hold
time, resolving, snooze and mute, a metric without data, and another workspace's data.

Revenue of the workspace ``acme`` (one record a day, ad spend 10.00 each):
| day                | revenue |
| Sun 2026-02-15     |  100.00 |
| Sun 2026-02-22     |  110.00 |
| Sun 2026-03-01     |   90.00 |
| Sat 2026-03-07     |  400.00 |
| Sun 2026-03-08     |  200.00 |  ("yesterday" at NOW, Monday 9 March 08:00 UTC)
and Sun 2026-02-08 1000.00, an outlying week the anomaly band must shrug off.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apimetrics import rollups
from apimetrics.models import RequestEvent
from config.insights import get_insight
from config.periods import Period
from reports import alert_services, alerts
from reports.models import AlertRule, Incident
from reports.signals import incident_opened, incident_resolved
from tests.apimetrics.factories import ProjectFactory, make_event
from tests.factories import MembershipFactory
from tests.reports.conftest import NOW, daily_sales, make_rule

D = dt.date
SUNDAYS = {D(2026, 2, 8): "1000.00", D(2026, 2, 15): "100.00", D(2026, 2, 22): "110.00", D(2026, 3, 1): "90.00"}


@pytest.fixture
def sales(workspace):
    daily_sales(workspace, {**SUNDAYS, D(2026, 3, 7): "400.00", D(2026, 3, 8): "200.00"})


def _incidents(rule):
    return list(Incident.objects.filter(rule=rule).values_list("value", "reference", "resolved_at", "notified"))


def test_threshold_above_fires_once_with_the_value_and_mails_the_recipient(sales, workspace, owner, evaluate):
    rule = make_rule(workspace, recipients=[owner])
    assert evaluate(NOW) == 1
    rule.refresh_from_db()
    assert (rule.state, rule.last_outcome, rule.last_value) == ("firing", "breach", Decimal("200"))
    assert _incidents(rule) == [(Decimal("200"), Decimal("150"), None, True)]
    assert [(m.to, m.subject) for m in mail.outbox] == [(["owner@acme.test"], "[Pulse] Firing: Revenue watch")]
    assert "Revenue over 1 day: 200" in mail.outbox[0].body
    # Still above five minutes later: no second incident, no second mail.
    assert evaluate(NOW + dt.timedelta(minutes=5)) == 1
    assert len(_incidents(rule)) == 1
    assert len(mail.outbox) == 1


def test_threshold_below_and_a_window_of_two_days(sales, workspace, evaluate):
    # 7 and 8 March: 400 + 200 = 600, not below 500; over the 8th alone (200) it would be.
    two_days = make_rule(workspace, direction="below", threshold=Decimal("500"), window_days=2)
    one_day = make_rule(workspace, direction="below", threshold=Decimal("500"))
    evaluate(NOW)
    two_days.refresh_from_db()
    one_day.refresh_from_db()
    assert (two_days.state, two_days.last_value) == ("ok", Decimal("600"))
    assert (one_day.state, one_day.last_value) == ("firing", Decimal("200"))


def test_change_against_the_previous_period(sales, workspace, evaluate):
    # 200 on the 8th against 400 on the 7th: -50 %.
    fell = make_rule(workspace, condition="change", direction="below", threshold=Decimal("40"))
    fell_more = make_rule(workspace, condition="change", direction="below", threshold=Decimal("60"))
    evaluate(NOW)
    assert _incidents(fell) == [(Decimal("200"), Decimal("400"), None, True)]
    assert _incidents(fell_more) == []
    with time_machine.travel(NOW, tick=False):
        reading = alerts.read(fell, NOW)
    assert reading.change_pct == Decimal("-50")


def test_change_against_the_same_weekday_of_previous_weeks(sales, workspace, evaluate):
    # Sundays 1 March, 22 and 15 February: 90, 110, 100, mean 100; the 8th's 200 is +100 %.
    rule = make_rule(
        workspace, condition="change", baseline="same_weekday", weeks=3, direction="above", threshold=Decimal("99")
    )
    evaluate(NOW)
    assert _incidents(rule) == [(Decimal("200"), Decimal("100"), None, True)]


def test_anomaly_is_outside_median_and_k_mads_despite_an_outlying_week(sales, workspace, evaluate):
    # Four previous Sundays: 90, 110, 100, 1000: median 105, deviations 15, 5, 5, 895, MAD 10.
    # k = 3: the band is 75…135, 200 is above it; k = 10 (band 5…205) holds it.
    k3 = make_rule(workspace, condition="anomaly", direction="either", threshold=Decimal("3"), weeks=4)
    k10 = make_rule(workspace, condition="anomaly", direction="either", threshold=Decimal("10"), weeks=4)
    below_only = make_rule(workspace, condition="anomaly", direction="below", threshold=Decimal("3"), weeks=4)
    evaluate(NOW)
    assert _incidents(k3) == [(Decimal("200"), Decimal("105"), None, True)]
    assert _incidents(k10) == []
    assert _incidents(below_only) == []


def test_hold_time_fires_only_after_the_condition_lasted_and_ignores_a_flap(sales, workspace, owner, evaluate):
    rule = make_rule(workspace, hold_minutes=30, recipients=[owner])
    evaluate(NOW)
    evaluate(NOW + dt.timedelta(minutes=25))
    rule.refresh_from_db()
    assert (rule.state, rule.pending_since) == ("ok", NOW)
    assert mail.outbox == []
    evaluate(NOW + dt.timedelta(minutes=30))
    rule.refresh_from_db()
    assert (rule.state, rule.pending_since) == ("firing", None)
    assert len(mail.outbox) == 1
    # Monday 9 March has no sales yet: with today in the window, the value drops to 0 at once,
    # but a clear spell shorter than the hold resolves nothing.
    AlertRule.objects.filter(pk=rule.pk).update(include_today=True)
    evaluate(NOW + dt.timedelta(minutes=35))
    AlertRule.objects.filter(pk=rule.pk).update(include_today=False)
    evaluate(NOW + dt.timedelta(minutes=40))
    rule.refresh_from_db()
    assert (rule.state, rule.pending_since) == ("firing", None)
    assert len(mail.outbox) == 1


def test_resolves_once_when_the_window_moves_on(sales, workspace, owner, evaluate):
    rule = make_rule(workspace, recipients=[owner])
    evaluate(NOW)
    # A day later the window is Monday 9 March: no sales, 0 is not above 150.
    later = NOW + dt.timedelta(days=1)
    evaluate(later)
    evaluate(later + dt.timedelta(minutes=5))
    rule.refresh_from_db()
    assert rule.state == "ok"
    assert _incidents(rule) == [(Decimal("200"), Decimal("150"), later, True)]
    assert Incident.objects.get(rule=rule).resolved_value == Decimal("0")
    assert [m.subject for m in mail.outbox] == ["[Pulse] Firing: Revenue watch", "[Pulse] Resolved: Revenue watch"]


@pytest.mark.parametrize("quiet", [{"muted": True}, {"snoozed_until": NOW + dt.timedelta(hours=2)}])
def test_muted_or_snoozed_rules_keep_their_history_and_tell_no_one(sales, workspace, owner, evaluate, quiet):
    rule = make_rule(workspace, recipients=[owner], **quiet)
    evaluate(NOW)
    assert _incidents(rule) == [(Decimal("200"), Decimal("150"), None, False)]
    # Unmuted (or the snooze over), its resolution is not announced either: nobody heard it fire.
    AlertRule.objects.filter(pk=rule.pk).update(muted=False, snoozed_until=None)
    evaluate(NOW + dt.timedelta(days=1))
    assert Incident.objects.get(rule=rule).resolved_at == NOW + dt.timedelta(days=1)
    assert mail.outbox == []


def test_a_snooze_that_ended_notifies_again(sales, workspace, owner, evaluate):
    rule = make_rule(workspace, recipients=[owner], snoozed_until=NOW - dt.timedelta(minutes=1))
    evaluate(NOW)
    assert _incidents(rule) == [(Decimal("200"), Decimal("150"), None, True)]
    assert len(mail.outbox) == 1


def test_a_metric_without_data_changes_nothing(workspace, owner, evaluate):
    # Sales without ad spend: ROAS has no value.
    daily_sales(workspace, {D(2026, 3, 8): "200.00"}, ad_spend="0.00")
    rule = make_rule(workspace, metric="roas", direction="below", threshold=Decimal("1"), recipients=[owner])
    evaluate(NOW)
    rule.refresh_from_db()
    assert (rule.state, rule.last_outcome, rule.last_value) == ("ok", "no_data", None)
    assert _incidents(rule) == []
    assert mail.outbox == []


def test_a_change_without_a_baseline_is_no_data(workspace, evaluate):
    daily_sales(workspace, {D(2026, 3, 8): "200.00"})
    rule = make_rule(workspace, condition="change", direction="either", threshold=Decimal("10"))
    evaluate(NOW)
    rule.refresh_from_db()
    assert (rule.state, rule.last_outcome, rule.last_value) == ("ok", "no_data", Decimal("200"))


def test_another_workspaces_data_and_members_are_never_involved(
    sales, workspace, other_workspace, owner, outsider, evaluate
):
    theirs = make_rule(other_workspace, recipients=[outsider])
    ours = make_rule(workspace, recipients=[owner])
    # A former member is not mailed either.
    left = MembershipFactory(workspace=workspace, user__email="left@acme.test").user
    ours.recipients.add(left)
    left.memberships.all().delete()
    evaluate(NOW)
    theirs.refresh_from_db()
    assert (theirs.state, theirs.last_value) == ("ok", Decimal("0"))
    assert [m.to for m in mail.outbox] == [["owner@acme.test"]]


def test_a_round_evaluates_due_rules_once_and_schedules_the_next(sales, workspace, evaluate):
    every_5 = make_rule(workspace)
    hourly = make_rule(workspace, cadence_minutes=60)
    assert evaluate(NOW) == 2
    assert evaluate(NOW) == 0
    assert evaluate(NOW + dt.timedelta(minutes=5)) == 1
    every_5.refresh_from_db()
    hourly.refresh_from_db()
    assert every_5.next_run_at == NOW + dt.timedelta(minutes=10)
    assert hourly.next_run_at == NOW + dt.timedelta(hours=1)


def test_a_rule_whose_project_is_gone_reads_as_no_data_with_the_reason(workspace, evaluate):
    rule = make_rule(workspace, insight="apimetrics.summary", metric="p95_ms", filters={"key": "gone"})
    evaluate(NOW)
    rule.refresh_from_db()
    assert (rule.state, rule.last_outcome, rule.last_error) == ("ok", "no_data", "The rule cannot be read: Not found.")


def test_each_transition_signals_once_after_commit_for_the_annotations(sales, workspace, evaluate):
    heard = []

    def receiver(sender, incident, **kwargs):
        heard.append((sender, incident.pk, incident.resolved_at))

    incident_opened.connect(receiver, dispatch_uid="test-opened")
    incident_resolved.connect(receiver, dispatch_uid="test-resolved")
    try:
        rule = make_rule(workspace)
        evaluate(NOW)
        evaluate(NOW + dt.timedelta(minutes=5))
        evaluate(NOW + dt.timedelta(days=1))
    finally:
        incident_opened.disconnect(dispatch_uid="test-opened")
        incident_resolved.disconnect(dispatch_uid="test-resolved")
    incident = Incident.objects.get(rule=rule)
    assert heard == [(Incident, incident.pk, None), (Incident, incident.pk, NOW + dt.timedelta(days=1))]


def test_api_rules_read_the_projects_rollups_error_rate_and_p95(workspace, evaluate):
    shop = ProjectFactory(workspace=workspace, key="shop")
    ProjectFactory(workspace=workspace, key="idle")
    # Ten calls on Sunday 8 March: one 404 and one 500, so 10 % + 10 % of errors.
    sunday = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)
    statuses = [200] * 8 + [404, 500]
    RequestEvent.objects.bulk_create(
        make_event(shop, sunday + dt.timedelta(seconds=n), status=status) for n, status in enumerate(statuses)
    )
    rollups.rollup_project(project_id=shop.pk, now=NOW)
    errors = make_rule(
        workspace, insight="apimetrics.summary", metric="error_rate", filters={"key": "shop"}, threshold=Decimal("15")
    )
    quiet = make_rule(
        workspace, insight="apimetrics.summary", metric="p95_ms", filters={"key": "idle"}, threshold=Decimal("1")
    )
    evaluate(NOW)
    errors.refresh_from_db()
    quiet.refresh_from_db()
    assert (errors.state, errors.last_value) == ("firing", Decimal("20"))
    assert (quiet.state, quiet.last_outcome, quiet.last_value) == ("ok", "no_data", None)


def test_rules_sharing_a_payload_cost_a_round_no_more_queries_than_one(workspace):
    ProjectFactory(workspace=workspace, key="shop")

    def round_queries(count: int) -> int:
        AlertRule.objects.all().delete()
        cache.clear()
        for metric in ("requests", "p95_ms", "error_rate", "apdex")[:count]:
            make_rule(workspace, insight="apimetrics.summary", metric=metric, filters={"key": "shop"})
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            assert alert_services.evaluate_due(now=NOW) == count
        return len(queries.captured_queries)

    # The claim, the rules, their webhooks, the project and its watermark, one summary and one
    # bulk update of the readings: the same for one rule or four.
    assert round_queries(4) == round_queries(1)


def test_a_scalar_leaves_out_what_alerts_never_read_unless_its_filters_ask():
    kpis = get_insight("ecommerce.kpis")
    day = Period(D(2026, 3, 8), D(2026, 3, 8))
    assert kpis.scalar_params(day, {})["compare"] == "none"
    assert kpis.scalar_params(day, {"compare": "year"})["compare"] == "year"
