#!/bin/sh
# The image's command: web, clock or release (as in the Procfile), or a `sherpa` command.
set -eu
# A platform that replaces the command with a whole line (Render's dockerCommand) names us
if [ "${1:-}" = sherpa-entrypoint ]; then shift; fi
case "${1:-web}" in
    web) [ "$#" -gt 0 ] && shift; set -- serve --no-scheduler "$@" ;;
    clock) shift; set -- scheduler "$@" ;;
    release) shift; set -- db upgrade "$@" ;;
esac
echo "$1" > "${TMPDIR:-/tmp}/sherpa-command"  # for sherpa-healthcheck
exec sherpa "$@"
