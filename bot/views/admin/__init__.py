"""The admin's Slack surfaces: App Home's Admin view, the first run, and its modals."""
