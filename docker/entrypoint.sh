#!/bin/sh
# Entry point of the naftiko-engine container image (docs/docker.md).
#
# No arguments, or options only: `naftiko run` the capability mounted at $NAFTIKO_CAPABILITY
# (default /capability), a capability file or a folder (every *.yaml/*.yml directly in it with a
# top-level `capability:` key; shared consumes files are left for the capabilities to import).
# `run <file>...` and any other command (validate, inspect, health, --version, ...) are passed to
# naftiko unchanged. `exec` keeps naftiko the container's main process, so `docker stop`
# (SIGTERM) reaches it: it drains in-flight requests and exits 0.
set -eu

NAFTIKO="${NAFTIKO_BIN:-naftiko}"
CAPABILITY="${NAFTIKO_CAPABILITY:-/capability}"

case "${1:-}" in
  run)
    shift
    case "${1:-}" in
      -* | '') ;;
      *) exec "$NAFTIKO" run "$@" ;; # the caller named the files
    esac
    ;;
  -* | '') ;;
  *) exec "$NAFTIKO" "$@" ;;
esac

# The image's default address first, so that the caller's --address options win over it.
# Adapters listen on $NAFTIKO_ADDRESS (the image sets 0.0.0.0: a port published with -p only
# reaches an adapter listening beyond the container's own loopback); empty keeps each adapter's
# declared address.
if [ -n "${NAFTIKO_ADDRESS:-}" ]; then
  set -- --address "*=$NAFTIKO_ADDRESS" "$@"
fi

if [ -d "$CAPABILITY" ]; then
  reversed=""
  for file in "$CAPABILITY"/*.yaml "$CAPABILITY"/*.yml; do
    if [ -f "$file" ] && grep -q '^capability:' "$file"; then
      reversed="$file
$reversed"
    fi
  done
  if [ -z "$reversed" ]; then
    echo "naftiko: no capability file (*.yaml or *.yml with a top-level capability: key) in $CAPABILITY [SPEC_NOT_FOUND]" >&2
    exit 2
  fi
  # Prepending the reversed list puts the files back in name order, before the options.
  old_ifs=$IFS
  IFS='
'
  set -f
  for file in $reversed; do
    set -- "$file" "$@"
  done
  set +f
  IFS=$old_ifs
elif [ -f "$CAPABILITY" ]; then
  set -- "$CAPABILITY" "$@"
else
  echo "naftiko: nothing at $CAPABILITY: mount a capability file or folder there (-v \"\$PWD/capabilities:/capability:ro\") or set NAFTIKO_CAPABILITY [SPEC_NOT_FOUND]" >&2
  exit 2
fi

exec "$NAFTIKO" run "$@"
