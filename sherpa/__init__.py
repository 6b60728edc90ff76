"""The entry layer: the `sherpa` command, the HTTP server and the clock process."""
