#!/bin/sh
# The image's HEALTHCHECK: the web process answers GET /healthz (200, or 503 with reasons);
# the clock and one-off commands serve no HTTP, so there is nothing to ask them.
[ "$(cat "${TMPDIR:-/tmp}/sherpa-command" 2>/dev/null)" = serve ] || exit 0
exec python -c 'import os, urllib.request
port = os.environ.get("PORT", "3000")
urllib.request.urlopen("http://127.0.0.1:" + port + "/healthz", timeout=4)'
