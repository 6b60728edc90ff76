"""Block Kit as pure functions: plain data in, Slack payload dicts out."""
