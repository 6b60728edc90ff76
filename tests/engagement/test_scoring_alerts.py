"""Each alert rule fires once per condition, account and week, to the channel and the SAM."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from bot.views.scorecard.alerts import detail, figures, headline, what_to_do
from engagement.access import actor_for
from engagement.duework.engine import Engine
from engagement.models import Alert
from engagement.scoring.alerts import raise_alerts
from engagement.scoring.kpis import record_kpi
from engagement.scoring.messages import AlertBundle, AlertCondition, KpiTurnedRed
from tests.bot.blockkit import check
from tests.factories import account_id, add_checkin, load_portfolio, portfolio
from tests.fakes import FakeNotifier

FEATURES = wire()
registry, render = FEATURES.due_work, FEATURES.slack.renderers.render
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday, ISO week 48
NEXT = NOW + timedelta(weeks=1)  # week 48 is complete: the rules judge it
MONDAYS = [date(2026, 10, 19) + timedelta(weeks=n) for n in range(6)]  # weeks 43-48


def kinds(found: list[object]) -> list[tuple[str, str]]:
    return sorted((f.alert.condition, f.key.split(":", 3)[3]) for f in found)  # type: ignore[attr-defined]


def test_kpi_turning_red(session: Session) -> None:
    load_portfolio(session)
    sam = actor_for(session, "U0SAM0002", seed=())
    for value, when in (("4.5", NOW - timedelta(weeks=2)), ("1", NOW - timedelta(hours=2))):
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value=value, now=when)  # fmt: skip
    assert raise_alerts(session, now=NOW) == []  # week 48 is only half over
    found = raise_alerts(session, now=NEXT)
    globex = account_id(session, "Globex")
    assert sorted(f.key for f in found) == [
        f"kpi_red:{globex}:2026-W48:joint_revenue_growth",
        f"status_changed:{globex}:2026-W48:red",
    ]
    alert = next(f.alert for f in found if f.alert.condition is AlertCondition.KPI_RED)
    assert figures(alert) == ("4.5%", "1%")
    assert alert.facts == KpiTurnedRed(
        key="joint_revenue_growth", label="Joint revenue growth", manual=True, unit="%",
        rated=False, target=5, red_above=None, red_below=4, before=4.5, after=1,
    )  # fmt: skip
    assert "Target 5%, red below 4%" in detail(alert)
    assert "/sponsor kpi Globex joint_revenue_growth" in what_to_do(alert)
    assert raise_alerts(session, now=NEXT + timedelta(hours=1)) == []  # not twice a week
    # next week it is still red: it did not *turn* red, so nothing new
    assert raise_alerts(session, now=NEXT + timedelta(weeks=1)) == []


def test_indicator_falling_two_weeks_in_a_row(session: Session) -> None:
    load_portfolio(session)
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    for monday, rating in zip(MONDAYS, (5, 5, 3, 3, 2, 2), strict=True):
        add_checkin(session, **sam, period=monday, answers=[(rating, 3, 3, 3, 3)])
    found = raise_alerts(session, now=NEXT)
    # 4-week means 4.0 → 3.25 → 2.5; it also crossed red_below 3.0 of its KPI
    assert kinds(found) == [("indicator_falling", "rated"), ("kpi_red", "stakeholder_engagement"),
                            ("status_changed", "red")]  # fmt: skip
    falling = next(f.alert for f in found if f.alert.condition is AlertCondition.INDICATOR_FALLING)
    assert headline(falling) == "Stakeholder engagement fell two weeks in a row"
    assert figures(falling) == ("4.0/5", "2.5/5")  # one format for 1–5 figures
    assert "stakeholder engagement 4.0 → 3.2 → 2.5" in detail(falling)
    assert raise_alerts(session, now=NEXT + timedelta(days=2)) == []


def test_several_falling_indicators_make_one_alert_led_by_the_steepest(
    session: Session,
) -> None:
    load_portfolio(session)
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    for monday, (first, second) in zip(
        MONDAYS, ((5, 4), (5, 4), (4, 4), (4, 3), (3, 3), (3, 2)), strict=True
    ):
        add_checkin(session, **sam, period=monday, answers=[(first, second, 3, 3, 3)])
    found = [f for f in raise_alerts(session, now=NEXT)
             if f.alert.condition is AlertCondition.INDICATOR_FALLING]  # fmt: skip
    [falling] = found
    # means of weeks 46-48: engagement 4.5 → 4.0 → 3.5, alignment 3.75 → 3.5 → 3.0
    assert headline(falling.alert) == "Stakeholder engagement and 1 more fell two weeks in a row"
    assert "strategic alignment 3.8 → 3.5 → 3.0" in detail(falling.alert)
    assert raise_alerts(session, now=NEXT + timedelta(days=1)) == []


def test_a_fall_that_is_not_material_is_no_alert(session: Session) -> None:
    load_portfolio(session)
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    # engagement (a KPI, green from 4.0) 5.0 → 4.75 → 4.5: jitter inside green;
    # alignment (no KPI) 3.5 → 3.25 → 3.0: a fall of 0.5, not more
    for monday, (first, second) in zip(
        MONDAYS, ((5, 4), (5, 4), (5, 3), (5, 3), (4, 3), (4, 3)), strict=True
    ):
        add_checkin(session, **sam, period=monday, answers=[(first, second, 3, 3, 3)])
    assert raise_alerts(session, now=NEXT) == []


def test_the_portfolio_says_how_large_a_fall_must_be(session: Session) -> None:
    load_portfolio(session, portfolio(alerts={"indicator_fall": 0.25, "score_fall": 5}))
    sam = {"account": "Acme Corp", "user": "U0SAM0001", "role": "sam"}
    for monday, (first, second) in zip(
        MONDAYS, ((5, 4), (5, 4), (5, 3), (5, 3), (4, 3), (4, 3)), strict=True
    ):
        add_checkin(session, **sam, period=monday, answers=[(first, second, 3, 3, 3)])
    # alignment (no KPI) 3.5 → 3.25 → 3.0 is now material; engagement stays green: jitter
    [found] = raise_alerts(session, now=NEXT)
    assert headline(found.alert) == "Strategic alignment fell two weeks in a row"


def test_sponsor_missing_two_checkins(session: Session) -> None:
    load_portfolio(session)
    sponsor = {"account": "Hanami Logistics", "user": "U0SPN0003", "role": "sponsor"}
    add_checkin(session, **sponsor, period=MONDAYS[2], answers=[(3, 3, 3, 3, 3)])
    add_checkin(session, **sponsor, period=MONDAYS[3], state="expired")
    add_checkin(session, **sponsor, period=MONDAYS[4], state="expired")
    found = raise_alerts(session, now=NOW)
    assert kinds(found) == [("missed_checkins", str(found[0].key.split(":")[-1]))]
    assert found[0].key.split(":")[2] == "2026-W47"  # the week of the latest miss
    assert figures(found[0].alert)[1] == "2 missed"
    assert detail(found[0].alert) == (
        "<@U0SPN0003> left the check-ins of 2026-11-09, 2026-11-16 unanswered."
    )
    assert raise_alerts(session, now=NOW + timedelta(weeks=1)) == []  # the same streak
    add_checkin(session, **sponsor, period=MONDAYS[5], state="expired")
    (again,) = raise_alerts(session, now=NOW + timedelta(weeks=1))
    assert figures(again.alert)[1] == "3 missed"


def test_sponsor_and_sam_disagreeing(session: Session) -> None:
    load_portfolio(session)
    period = MONDAYS[5]
    add_checkin(session, account="Acme Corp", user="U0SPN0001", role="sponsor", period=period,
                answers=[(4, 4, 5, 4, 4)])  # fmt: skip
    add_checkin(session, account="Acme Corp", user="U0SAM0001", role="sam", period=period,
                answers=[(4, 3, 4, 4, 4)])  # fmt: skip
    assert raise_alerts(session, now=NEXT) == []  # a difference of 1 is no disagreement
    add_checkin(session, account="Acme Corp", user="U0SPN0001", role="sponsor",
                period=MONDAYS[4], answers=[(4, 4, 5, 4, 4)])  # fmt: skip
    add_checkin(session, account="Acme Corp", user="U0SAM0001", role="sam",
                period=MONDAYS[4], answers=[(4, 4, 1, 4, 4)])  # fmt: skip
    (found,) = raise_alerts(session, now=NEXT)
    assert found.alert.condition is AlertCondition.PERCEPTION_GAP
    assert found.key.endswith(":2026-W48:internal_advocacy")
    assert figures(found.alert) == ("5.0/5", "2.5/5")
    alone = AlertBundle(account_id=found.alert.account_id, account_name="Acme Corp",
                        iso_week="2026-W48", sam_user_id=None, alerts=[found.alert])  # fmt: skip
    text = str(check(render(alone)))  # two views side by side, not a change
    assert "*Sponsor's view*\\n5.0/5" in text and "*SAM's view*\\n2.5/5" in text
    assert "*Was*" not in text


def test_each_alert_is_posted_once_to_the_channel_and_the_sam(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        sam = actor_for(session, "U0SAM0002", seed=())
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="1", now=NOW - timedelta(hours=2))  # fmt: skip
        session.commit()
    notifier = FakeNotifier()
    one, two = (Engine(sessions, registry, notifier, worker=name) for name in ("one", "two"))
    one.run_due(NEXT)
    two.run_due(NEXT)
    one.run_due(NEXT + timedelta(hours=1))
    two.run_due(NEXT + timedelta(hours=5))
    alerts = notifier.messages_of(AlertBundle)
    assert [to for to, _ in alerts] == ["#globex-alliance"]  # no status changed: no DM
    payload = render(alerts[0][1])
    check(payload)
    assert "Joint revenue growth turned red" in payload["text"]
    assert "Week of 23 Nov" in str(payload["blocks"])
    with sessions() as session:
        alert = session.scalars(select(Alert)).one()
        assert alert.posted_at == NEXT
        assert alert.condition == "kpi_red"


def test_the_sam_gets_a_dm_only_when_the_status_turns_amber_or_red(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        sam = actor_for(session, "U0SAM0002", seed=())
        for value, when in (("6", NOW - timedelta(weeks=1)), ("1", NOW - timedelta(hours=2))):
            record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                       value=value, now=when)  # fmt: skip
        session.commit()
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier).run_due(NEXT)
    alerts = notifier.messages_of(AlertBundle)
    assert sorted((to, [a.condition for a in m.alerts]) for to, m in alerts) == [
        ("#globex-alliance", [AlertCondition.STATUS_CHANGED, AlertCondition.KPI_RED]),  # one
        ("U0SAM0002", [AlertCondition.STATUS_CHANGED]),
    ]
    direct = next(m for to, m in alerts if to == "U0SAM0002")
    text = str(check(render(direct)))
    assert "Overall status turned red" in text and "green (100)" in text and "red (33)" in text
    assert "Call the sponsor this week" in text


def test_a_condition_found_later_that_week_goes_in_the_thread(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        sam = actor_for(session, "U0SAM0002", seed=())
        record_kpi(session, actor=sam, account_name="Globex", key="joint_revenue_growth",
                   value="1", now=NOW - timedelta(hours=2))  # fmt: skip
        session.commit()
    notifier = FakeNotifier()
    engine = Engine(sessions, registry, notifier)
    engine.run_due(NEXT)
    with sessions() as session:  # the sponsor's last two check-ins of week 48 expire late
        sponsor = {"account": "Globex", "user": "U0SPN0002", "role": "sponsor"}
        add_checkin(session, **sponsor, period=MONDAYS[4], state="expired")
        add_checkin(session, **sponsor, period=MONDAYS[5], state="expired")
        session.commit()
    engine.run_due(NEXT + timedelta(hours=1))
    posts = [(to, m, thread) for to, m, thread in notifier.posts if isinstance(m, AlertBundle)]
    first = 1 + next(i for i, (_, m, _) in enumerate(notifier.posts) if isinstance(m, AlertBundle))
    first_ts = f"{first}.000100"  # the fake numbers its posts in order
    assert [(to, thread, [a.condition for a in m.alerts]) for to, m, thread in posts] == [
        ("#globex-alliance", None, [AlertCondition.KPI_RED]),
        ("#globex-alliance", first_ts, [AlertCondition.MISSED_CHECKINS]),
    ]
    assert posts[1][1].in_thread and "(later this week)" in str(render(posts[1][1]))
    with sessions() as session:
        assert {(a.message_channel, a.message_ts) for a in session.scalars(select(Alert))} == {
            ("#globex-alliance", first_ts)
        }


def test_a_sponsor_taking_over_is_a_role_balance_alert_once(session: Session) -> None:
    load_portfolio(session)
    sponsor = {"account": "Acme Corp", "user": "U0SPN0001", "role": "sponsor"}
    # boss mode: rates their own role balance 5, but says they took over; an earlier
    # revision saying so does not count, the latest does
    add_checkin(session, **sponsor, period=MONDAYS[4], answers=[(5, 5, 5, 5, 5)],
                direction="balanced")  # fmt: skip
    add_checkin(session, **sponsor, period=MONDAYS[5], answers=[(5, 5, 5, 5, 5)] * 2,
                direction="took_over")  # fmt: skip
    found = [f for f in raise_alerts(session, now=NEXT)
             if f.alert.condition is AlertCondition.ROLE_BALANCE]  # fmt: skip
    [alert] = [f.alert for f in found]
    assert headline(alert) == "The sponsor is climbing for the SAM"
    assert figures(alert) == ("balanced", "took over")
    assert detail(alert) == (
        "In the check-ins of the week of 23 Nov, the sponsor said they took over the SAM's work."
    )
    assert what_to_do(alert).startswith("Agree with the sponsor who leads what")
    # the week after, still taking over: nothing new
    add_checkin(session, **sponsor, period=MONDAYS[5] + timedelta(weeks=1),
                answers=[(5, 5, 5, 5, 5)], direction="took_over")  # fmt: skip
    assert not [f for f in raise_alerts(session, now=NEXT + timedelta(weeks=1))
                if f.alert.condition is AlertCondition.ROLE_BALANCE]  # fmt: skip
