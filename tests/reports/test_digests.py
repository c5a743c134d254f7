"""Digests: the content on a hand-built fixture, the schedule (across a DST change), sending once
per period, the signed single-purpose unsubscribe link, and the API and page per role."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client

from accounts.models import Membership
from config.periods import Period
from reports import digests
from reports.models import Annotation, DigestSubscription
from reports.tasks import send_due_digests
from tests.sales.factories import SalesRecordFactory, StoreFactory

WEEK = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 8))  # Monday to Sunday


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def shop(workspace):
    downtown = StoreFactory(workspace=workspace, name="Downtown")
    harbour = StoreFactory(workspace=workspace, name="Harbour")
    rows = [
        (downtown, dt.date(2026, 2, 24), "100.00", "25.00"),  # previous week
        (harbour, dt.date(2026, 2, 25), "150.00", "25.00"),
        (downtown, dt.date(2026, 3, 2), "100.00", "25.00"),  # this week
        (downtown, dt.date(2026, 3, 8), "200.00", "25.00"),
        (harbour, dt.date(2026, 3, 4), "50.00", "25.00"),
    ]
    for store, day, revenue, ad_spend in rows:
        SalesRecordFactory(store=store, date=day, revenue=Decimal(revenue), ad_spend=Decimal(ad_spend))
    Annotation.objects.create(
        workspace=workspace, kind="incident", starts_at=_utc(2026, 3, 5, 14, 30), text="Revenue below 40"
    )
    Annotation.objects.create(workspace=workspace, kind="note", starts_at=_utc(2026, 3, 5), text="Not an incident")
    return workspace


@pytest.fixture
def subscription(shop, viewer):
    return DigestSubscription.objects.create(user=viewer, workspace=shop, frequency="weekly", hour=8)


def test_digest_content_has_exact_figures_and_deltas(shop):
    content = digests.content(shop, WEEK)
    assert content["date_from"] == "2026-03-02"
    assert content["date_to"] == "2026-03-08"
    assert content["kpis"] == [
        {
            "title": "Sales and ROAS",
            "app": "sales",
            "rows": [
                {"label": "Revenue", "unit": "money", "value": "350.00", "previous": "250.00", "change_pct": 40.0},
                {"label": "Ad spend", "unit": "money", "value": "75.00", "previous": "50.00", "change_pct": 50.0},
                {"label": "ROAS", "unit": "ratio", "value": 4.6667, "previous": 5.0, "change_pct": -6.67},
                {"label": "Sales records", "unit": "count", "value": 3, "previous": 2, "change_pct": 50.0},
                {"label": "Stores selling", "unit": "count", "value": 2, "previous": 2, "change_pct": 0.0},
            ],
        }
    ]  # no e-commerce data: no e-commerce section
    assert content["movers"] == [
        {
            "title": "Stores",
            "unit": "money",
            "rows": [
                {
                    "label": "Downtown",
                    "value": Decimal("300.00"),
                    "previous": Decimal("100.00"),
                    "change": Decimal("200.00"),
                },
                {
                    "label": "Harbour",
                    "value": Decimal("50.00"),
                    "previous": Decimal("150.00"),
                    "change": Decimal("-100.00"),
                },
            ],
        }
    ]
    assert content["incidents"] == [{"at": "2026-03-05 14:30", "text": "Revenue below 40"}]
    assert content["freshness"] == [{"source": "sales", "last_day": "2026-03-08"}]


def test_mail_has_text_and_html_parts_and_one_click_unsubscribe(subscription):
    with time_machine.travel(_utc(2026, 3, 9, 8), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is True
    (message,) = mail.outbox
    assert message.subject == "Weekly digest of Acme: 2026-03-02 to 2026-03-08"
    assert message.to == ["viewer@acme.test"]
    assert "  Revenue: $350.00 (before: $250.00, +40.0%)" in message.body
    assert "  ROAS: 4.67 (before: 5.00, -6.7%)" in message.body
    assert "  Downtown: $300.00 (+$200.00)" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<script" not in html
    assert "<td>Harbour</td>" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url in message.body
    path = url.removeprefix("http://127.0.0.1:8000")
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert DigestSubscription.objects.get().active is False


def test_mail_writes_its_figures_in_the_workspaces_locale(subscription):
    subscription.workspace.locale, subscription.workspace.currency = "de_DE", "EUR"
    subscription.workspace.save()
    with time_machine.travel(_utc(2026, 3, 9, 8), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is True
    (message,) = mail.outbox
    assert "  Revenue: 350,00\xa0€ (before: 250,00\xa0€, +40,0\xa0%)" in message.body
    assert "  ROAS: 4,67 (before: 5,00, -6,7\xa0%)" in message.body
    assert "  Downtown: 300,00\xa0€ (+200,00\xa0€)" in message.body
    html, _ = message.alternatives[0]
    assert '<td align="right">350,00\xa0€</td>' in html


def test_unsubscribe_link_is_signed_and_single_purpose(subscription):
    token = digests.unsubscribe_token(subscription)
    client = Client()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_purpose = signing.dumps({"digest": subscription.pk, "user": subscription.user_id}, salt="accounts.verify")
    unsalted = signing.dumps({"digest": subscription.pk, "user": subscription.user_id})
    for bad in (tampered, other_purpose, unsalted, "nonsense"):
        response = client.post(f"/reports/digest/unsubscribe/{bad}/")
        assert response.status_code == 400, bad
    assert DigestSubscription.objects.get().active is True
    asked = client.get(f"/reports/digest/unsubscribe/{token}/")  # a mail scanner's GET changes nothing
    assert asked.status_code == 200
    assert DigestSubscription.objects.get().active is True
    assert client.post(f"/reports/digest/unsubscribe/{token}/").status_code == 200
    assert DigestSubscription.objects.get().active is False


def test_weekly_digest_is_sent_once_for_its_period(subscription):
    with time_machine.travel(_utc(2026, 3, 9, 7, 59), tick=False):
        assert send_due_digests() == 0
    with time_machine.travel(_utc(2026, 3, 9, 8, 5), tick=False):
        assert send_due_digests() == 1
        assert send_due_digests() == 0
        assert digests.digest_send(subscription_id=subscription.pk) is False
    with time_machine.travel(_utc(2026, 3, 12, 8), tick=False):
        assert send_due_digests() == 0
    assert len(mail.outbox) == 1
    subscription.refresh_from_db()
    assert subscription.last_period_end == dt.date(2026, 3, 8)


def test_daily_hour_is_local_across_the_spring_dst_change(workspace, viewer):
    workspace.timezone = "Europe/London"
    workspace.save()
    subscription = DigestSubscription.objects.create(user=viewer, workspace=workspace, frequency="daily", hour=8)
    # 28 March 2026: London is on GMT, 08:00 local is 08:00 UTC.
    with time_machine.travel(_utc(2026, 3, 28, 7, 59), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is False
    with time_machine.travel(_utc(2026, 3, 28, 8, 0), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is True
    # 29 March: clocks go forward at 01:00 UTC; 08:00 BST is 07:00 UTC.
    with time_machine.travel(_utc(2026, 3, 29, 6, 59), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is False
    with time_machine.travel(_utc(2026, 3, 29, 7, 0), tick=False):
        assert digests.digest_send(subscription_id=subscription.pk) is True
    assert [message.subject for message in mail.outbox] == [
        "Daily digest of Acme: 2026-03-27",
        "Daily digest of Acme: 2026-03-28",
    ]


def test_monthly_period_and_the_member_time_zone(workspace, viewer):
    subscription = DigestSubscription.objects.create(
        user=viewer, workspace=workspace, frequency="monthly", hour=6, timezone="America/New_York"
    )
    with time_machine.travel(_utc(2026, 4, 1, 9, 59), tick=False):  # 05:59 in New York
        assert digests.due(subscription, dt.datetime.now(dt.UTC)) is None
    with time_machine.travel(_utc(2026, 4, 1, 10, 0), tick=False):
        assert digests.due(subscription, dt.datetime.now(dt.UTC)) == Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


URL = "/api/v1/digests/subscription"


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer"])
def test_every_member_manages_their_own_digest(request, api_as, workspace, role):
    user = request.getfixturevalue(role)
    client = api_as(user)
    assert client.get(URL).json() == {
        "frequency": "weekly",
        "hour": 8,
        "timezone": "",
        "active": False,
        "subscribed": False,
        "last_period_end": None,
        "last_sent_at": None,
    }
    response = client.put(URL, {"frequency": "daily", "hour": 7, "timezone": "Europe/Paris"}, format="json")
    assert response.status_code == 200
    assert response.json()["subscribed"] is True
    assert DigestSubscription.objects.get(user=user).frequency == "daily"
    assert (
        client.put(URL, {"frequency": "daily", "hour": 7, "active": False}, format="json").json()["subscribed"] is False
    )
    assert DigestSubscription.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{"frequency": "hourly", "hour": 7}, {"frequency": "daily", "hour": 24}, {"hour": 7, "timezone": "Mars/Base"}],
)
def test_bad_subscription_answers_400_and_writes_nothing(api_as, viewer, body):
    response = api_as(viewer).put(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not DigestSubscription.objects.exists()


def test_outsider_and_anonymous_get_no_digest(api_as, anon_api, outsider, workspace):
    assert api_as(outsider).get(URL).status_code == 404
    assert api_as(outsider).put(URL, {"frequency": "daily", "hour": 7}, format="json").status_code == 404
    assert anon_api.get(URL).status_code == 401
    assert anon_api.get("/api/v1/digests/preview").status_code == 401
    assert not DigestSubscription.objects.exists()


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer"])
def test_preview_api_and_page_show_the_last_whole_period(request, api_as, client, shop, role):
    member = request.getfixturevalue(role)
    with time_machine.travel(_utc(2026, 3, 10, 12), tick=False):
        body = api_as(member).get("/api/v1/digests/preview").json()
        client.force_login(member)
        page = client.get("/reports/digest/")
    assert (body["date_from"], body["date_to"]) == ("2026-03-02", "2026-03-08")
    assert body["kpis"][0]["rows"][0]["value"] == "350.00"
    assert page.status_code == 200
    assert "Preview: 2026-03-02 to 2026-03-08" in page.content.decode()
    # The API answers the figures as numbers; the page writes them in the workspace's locale.
    assert "Downtown: $300.00 (+$200.00)" in page.content.decode()
    assert "<tr><td>Revenue</td><td>$350.00</td><td>$250.00</td><td>+40.0%</td></tr>" in page.content.decode()


def test_digest_page_saves_the_member_settings(client, workspace, viewer, outsider):
    client.force_login(viewer)
    form = {"workspace": "acme", "active": "on", "frequency": "monthly", "hour": "9", "timezone": ""}
    assert client.post("/reports/digest/", form).status_code == 302
    saved = DigestSubscription.objects.get()
    assert (saved.user, saved.frequency, saved.hour, saved.active) == (viewer, "monthly", 9, True)
    assert Client().get("/reports/digest/").status_code == 302  # anonymous: to the login page
    assert Membership.objects.filter(user=outsider, workspace=workspace).count() == 0


def test_options_describes_the_subscription(api_as, viewer):
    response = api_as(viewer).options(URL)
    assert response.status_code == 200
    fields = response.json()["actions"]["PUT"]
    assert sorted(name for name, field in fields.items() if not field["read_only"]) == [
        "active",
        "frequency",
        "hour",
        "timezone",
    ]


def test_endpoint_movers_are_read_for_each_api_project(workspace):
    from apimetrics.models import RequestEvent
    from tests.apimetrics.factories import ProjectFactory, make_event

    project = ProjectFactory(workspace=workspace, key="shop-api")
    ProjectFactory(workspace=workspace, key="quiet-api")
    before, now = _utc(2026, 2, 24, 10), _utc(2026, 3, 3, 10)
    events = [make_event(project, before + dt.timedelta(minutes=i)) for i in range(2)]
    events += [make_event(project, now + dt.timedelta(minutes=i)) for i in range(5)]
    events += [make_event(project, now, method="POST", endpoint="/orders", status=201)]
    RequestEvent.objects.bulk_create(events)
    assert digests.movers(workspace, WEEK) == [
        {
            "title": "Endpoints (requests)",
            "unit": "count",
            "rows": [
                {"label": "shop-api: GET /items", "value": Decimal(5), "previous": Decimal(2), "change": Decimal(3)},
                {"label": "shop-api: POST /orders", "value": Decimal(1), "previous": Decimal(0), "change": Decimal(1)},
            ],
        }
    ]
