#!/bin/sh
# HEALTHCHECK of the naftiko-engine container image (docs/docker.md): `naftiko health` against
# the control adapter (`type: control`) of the capability the entry point runs, so the container
# is healthy once every adapter has started (GET /health/ready answers UP).
#
# Which control adapter: NAFTIKO_CONTROL_PORT (and NAFTIKO_CONTROL_ADDRESS) when set, else the
# first one declared by the capability files at $NAFTIKO_CAPABILITY (default /capability), found
# as the entry point finds them. A capability without a control adapter has nothing to probe:
# the check passes while the process lives (Docker already watches that).
#
# Exit 0 healthy, 1 unhealthy: the two codes Docker's HEALTHCHECK understands.
set -u

NAFTIKO="${NAFTIKO_BIN:-naftiko}"
CAPABILITY="${NAFTIKO_CAPABILITY:-/capability}"

if [ -n "${NAFTIKO_CONTROL_PORT:-}" ]; then
  "$NAFTIKO" health || exit 1
  exit 0
fi

# `naftiko health` looks for a control adapter in the capability files of its working folder:
# give it a folder holding exactly the files the entry point runs (links, nothing copied).
view=$(mktemp -d "${TMPDIR:-/tmp}/naftiko-health.XXXXXX") || exit 1
trap 'rm -rf "$view"' EXIT
if [ -d "$CAPABILITY" ]; then
  for file in "$CAPABILITY"/*.yaml "$CAPABILITY"/*.yml; do
    if [ -f "$file" ] && grep -q '^capability:' "$file"; then
      ln -s "$file" "$view/$(basename "$file")"
    fi
  done
elif [ -f "$CAPABILITY" ]; then
  ln -s "$CAPABILITY" "$view/$(basename "$CAPABILITY")"
fi

cd "$view" || exit 1
"$NAFTIKO" health
status=$?
case $status in
  0) exit 0 ;;
  2)
    # USAGE_INVALID: no control adapter declared (or no capability at all, which the entry
    # point has already refused to run).
    echo "healthcheck: no control adapter declared; nothing to probe beyond the process itself"
    exit 0
    ;;
  *) exit 1 ;;
esac
