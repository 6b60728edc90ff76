"""Slack's Block Kit rules: its limits and a check of payloads against them.

Knows nothing of Sherpa: the views, their tests and the bundled Slack emulator all use it.
"""
