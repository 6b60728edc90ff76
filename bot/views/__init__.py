"""Block Kit views: pure functions from the domain's plain data to Slack payloads.

`kit` holds Slack's limits, its markup and the Block Kit primitives; `check` is the one
Block Kit check; each feature has a package with one module per surface.
"""
