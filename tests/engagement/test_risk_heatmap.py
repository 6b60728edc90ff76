"""The digest thread's risk heat map: after the chart, in words too, only with open risks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engagement.duework.engine import Engine
from engagement.models import Account, DueWork, Risk, RiskState
from engagement.notify import Posted
from engagement.risks import heatmap
from engagement.risks.heatmap import HeatCell, RiskHeatMap, band
from engagement.risks.rules import RiskInput
from engagement.risks.service import add_risk
from engagement.scoring.messages import Digest
from tests.engagement.test_scoring_digest import (
    FRIDAY_DUE,
    png_size,
    registry,
    with_a_figure,
)
from tests.factories import load_portfolio, portfolio
from tests.fakes import FakeNotifier

CHANNEL = "#sponsor-digest"


def log(session: Session, account: str, probability: int, impact: int, **more: Any) -> Risk:
    target = session.scalars(select(Account).where(Account.name == account)).one()
    fields = RiskInput.read(probability=probability, impact=impact, description="A risk")
    risk = add_risk(session, target, fields, by=None, now=FRIDAY_DUE, **more)
    session.commit()
    return risk


def run_digest(sessions: sessionmaker[Session]) -> FakeNotifier:
    notifier = FakeNotifier()
    Engine(sessions, registry, notifier).run_due(FRIDAY_DUE)
    return notifier


def test_the_heat_map_follows_the_chart_in_the_digest_thread_with_its_alt_text(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
        with_a_figure(session)
        log(session, "Globex", 4, 4)  # 16: high
        log(session, "Globex", 3, 4)  # 12: significant
        log(session, "Acme Corp", 2, 3)  # 6: medium
        log(session, "Acme Corp", 1, 2)  # 2: low
        log(session, "Acme Corp", 5, 5, state=RiskState.CLOSED)  # closed: not shown
    notifier = run_digest(sessions)
    chart, risks = notifier.uploads
    assert chart[1] == "sponsor-digest-2026-W48.png"
    head = next(n for n, (_, m, _) in enumerate(notifier.posts, 1) if isinstance(m, Digest))
    assert risks[0] == chart[0] == Posted(CHANNEL, f"{head}.000100")  # in the digest's thread
    assert risks[1] == "sponsor-risks-2026-W48.png"
    assert png_size(risks[2]) == (heatmap.WIDTH, heatmap.HEIGHT)
    described = notifier.alt_texts["sponsor-risks-2026-W48.png"]
    assert "4 open risks: 1 high: Globex SR-01 scores 16; 1 significant (10–14); " in described
    assert "1 medium (5–9); 1 low (1–4)." in described
    assert described.startswith("Open strategic risks — #sponsor-digest, week of 23 Nov 2026: ")
    assert "fullest" not in described  # one risk a cell: no cell stands out
    assert len(described) <= heatmap.ALT_TEXT_LIMIT


def test_a_digest_channel_chosen_in_slack_is_named_in_the_images_not_by_its_id(
    sessions: sessionmaker[Session],
) -> None:
    """App Home's channel menu gives an ID: titles and alt texts are plain text, which
    shows an ID as it is, so the images name the channel as people know it."""
    document = portfolio()
    document["digest"]["channel"] = "C0DIGEST01"
    with sessions() as session:
        load_portfolio(session, document)
        with_a_figure(session)
        log(session, "Globex", 4, 4)
    notifier = FakeNotifier(channel_names={"C0DIGEST01": "#sponsor-digest"})
    Engine(sessions, registry, notifier).run_due(FRIDAY_DUE)
    chart = notifier.alt_texts["sponsor-digest-2026-W48.png"]
    risks = notifier.alt_texts["sponsor-risks-2026-W48.png"]
    assert chart.startswith("Sponsor scorecards, last 12 weeks — #sponsor-digest. ")
    assert risks.startswith("Open strategic risks — #sponsor-digest, week of 23 Nov 2026: ")
    assert [where.channel for where, _, _ in notifier.uploads] == ["C0DIGEST01"] * 2


def test_no_heat_map_without_open_risks(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
        with_a_figure(session)
        log(session, "Globex", 4, 4, state=RiskState.CLOSED)
    notifier = run_digest(sessions)
    [(_, filename, _)] = notifier.uploads
    assert filename == "sponsor-digest-2026-W48.png"  # the chart alone
    with sessions() as session:
        assert session.scalars(select(DueWork).where(DueWork.kind == heatmap.UPLOAD)).all() == []


def test_a_digest_channel_maps_only_its_own_accounts(sessions: sessionmaker[Session]) -> None:
    document = portfolio()
    document["accounts"][2]["digest_channel"] = "#apac-digest"
    with sessions() as session:
        load_portfolio(session, document)
        log(session, "Hanami Logistics", 5, 5)
        log(session, "Globex", 1, 1)
        found = heatmap.heat_map(session, channel=CHANNEL, title="Risks")
        apac = heatmap.heat_map(session, channel="#apac-digest", title="Risks")
    assert found is not None and apac is not None
    assert [(cell.probability, cell.impact, cell.labels) for cell in found.cells] == [
        (1, 1, ["Globex SR-01"])
    ]
    assert apac.high == [("Hanami Logistics SR-01", 25)]


def test_a_full_cell_shows_its_count_and_the_words_stay_within_slacks_limit() -> None:
    long_name = "Vereinigte Versorgungs- und Verkehrsgesellschaft"
    cells = [
        HeatCell(probability=5, impact=5, count=40, labels=[]),
        HeatCell(probability=2, impact=2, count=2, labels=["Acme Corp SR-01", "Acme Corp SR-02"]),
    ]
    found = RiskHeatMap(
        title="Open strategic risks — #sponsor-digest, week of 23 Nov 2026",
        cells=cells,
        high=[(f"{long_name} SR-{n:02d}", 25) for n in range(1, 6)],
    )
    described = found.alt_text()
    assert found.total == 42 and found.band_counts() == {
        "high": 40, "significant": 0, "medium": 0, "low": 2
    }  # fmt: skip
    assert "40 high: " in described and " and 35 more; 2 low (1–4)." in described
    assert "The fullest cell: 40 at probability 5 × impact 5." in described
    assert len(described) <= heatmap.ALT_TEXT_LIMIT
    assert png_size(heatmap.render_png(found)) == (heatmap.WIDTH, heatmap.HEIGHT)


def test_cells_name_few_risks_and_clip_long_account_names(session: Session) -> None:
    document = portfolio()
    document["accounts"][0]["name"] = "Vereinigte Versorgungsgesellschaft"
    load_portfolio(session, document)
    for _ in range(4):
        log(session, "Globex", 3, 3)
    log(session, "Vereinigte Versorgungsgesellschaft", 3, 4)
    found = heatmap.heat_map(session, channel=CHANNEL, title="Risks")
    assert found is not None
    full, single = found.cells
    assert (full.count, full.labels) == (4, [])  # too many to name: the count alone
    assert single.labels == ["Vereinigte Versor… SR-01"]


def test_score_bands() -> None:
    assert [band(score)[0] for score in (1, 4, 5, 9, 10, 14, 15, 25)] == [
        "low", "low", "medium", "medium", "significant", "significant", "high", "high"
    ]  # fmt: skip
