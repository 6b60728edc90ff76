"""Block Kit builders: pure functions from plain data to Slack payloads."""
