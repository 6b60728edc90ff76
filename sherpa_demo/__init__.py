"""`sherpa demo`: the whole product, offline, against the bundled Slack emulator."""
