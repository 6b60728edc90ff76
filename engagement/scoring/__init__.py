"""Leading indicators, scorecards, the weekly digest, its chart and alerts."""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.risks import heatmap
from engagement.scoring import alert_posts, alerts, digest_posts, digest_refresh, kept


def register(registry: Registry) -> None:
    """Scoring's due work: the weekly digests (post, its pages, its chart, the risks'
    heat map, the kept weeks pruned), then the hourly alert evaluation and each alert's
    posts."""
    registry.planner("digest.plan", digest_posts.plan_digests)
    registry.kind("digest.post", digest_posts.post_digest)
    registry.kind("digest.part", digest_posts.post_part)
    registry.kind("digest.chart", digest_posts.post_chart)
    registry.kind(heatmap.UPLOAD, heatmap.upload)
    registry.kind("digest.refresh", digest_refresh.refresh_digest)
    registry.kind(kept.PRUNE, kept.prune_kept)
    registry.planner("alerts.plan", alerts.plan_alerts)
    registry.kind("alerts.evaluate", alerts.evaluate_alerts)
    registry.kind("alerts.post", alert_posts.post_alert)
