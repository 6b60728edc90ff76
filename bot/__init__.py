"""Sherpa's Slack layer: the Bolt app, Block Kit views, the notifier and the command line."""
