"""Sherpa's domain: accounts, sponsorships, check-ins, escalations and scoring.

Plain Python over SQLAlchemy. Nothing here imports Slack: Slack side effects go
through the `Notifier` protocol that `bot/` implements.
"""
