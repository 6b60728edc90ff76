"""The entry layer: the `sherpa` command, the HTTP server and the clock process."""

DISTRIBUTION = "sherpa-sponsorship"
"""The name Sherpa is installed under (`sherpa` on the package index is someone else's)."""
