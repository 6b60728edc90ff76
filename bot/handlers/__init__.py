"""What Sherpa does with each command, click, submission and shortcut: one module per
feature, each with one `register(surfaces)` that declares every Slack surface of the
feature (`bot/surfaces.py`). The composition root (`bot/root.py`) calls them in order."""
