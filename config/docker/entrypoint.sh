#!/bin/sh
# Container entrypoint for meshkeep (see Dockerfile).
#
#   (no arguments), or arguments starting with "-", or "daemon ...":
#       create the node if $MESHKEEP_DATA_DIR/node.key is missing, then
#       exec `meshkeep daemon` with the arguments.
#   any other first argument: run that meshkeep command as is, e.g.
#       docker run --rm -v meshkeep-data:/data meshkeep id --data-dir /data
#
# Creating the node:
#   - by default `meshkeep init` makes a new identity and prints its recovery
#     phrase ONCE, here, into the container log. Record it offline at once;
#     it is the only way to get the data back if the volume is lost.
#   - INIT_RECOVERY_PHRASE_FILE=/run/secrets/... : recreate an existing
#     identity from a phrase in a file (a Docker secret); nothing is printed.
#   - INIT_RECOVERY_PHRASE="24 words" : the same from an environment variable.
#     Anyone who can inspect the container can read it: only for the testbed
#     (docker-compose.yml), never for real data.
# Both variables are removed from the environment before meshkeep runs. They
# do not start with MESHKEEP_ on purpose: meshkeep refuses unknown MESHKEEP_*
# variables (a typo must not silently keep a default), and health checks and
# `docker exec` commands see the container's environment as it was set.
# ENTRYPOINT_MESHKEEP_BIN (tests only) replaces /app/bin/meshkeep.
set -eu

meshkeep=${ENTRYPOINT_MESHKEEP_BIN:-/app/bin/meshkeep}
data_dir=${MESHKEEP_DATA_DIR:-/data}

log() {
  printf 'meshkeep-entrypoint: %s\n' "$*" >&2
}

init_node() {
  if [ ! -d "$data_dir" ] || [ ! -w "$data_dir" ]; then
    log "data dir $data_dir is missing or not writable by uid $(id -u); mount a volume there owned by this uid"
    exit 73
  fi
  if [ -n "${INIT_RECOVERY_PHRASE_FILE:-}" ]; then
    if [ ! -r "$INIT_RECOVERY_PHRASE_FILE" ]; then
      log "INIT_RECOVERY_PHRASE_FILE=$INIT_RECOVERY_PHRASE_FILE cannot be read"
      exit 66
    fi
    log "no node in $data_dir: recreating the identity from the phrase in $INIT_RECOVERY_PHRASE_FILE"
    "$meshkeep" init --data-dir "$data_dir" --recover <"$INIT_RECOVERY_PHRASE_FILE"
  elif [ -n "${INIT_RECOVERY_PHRASE:-}" ]; then
    log "no node in $data_dir: recreating the identity from INIT_RECOVERY_PHRASE (insecure: testbed only)"
    printf '%s\n' "$INIT_RECOVERY_PHRASE" | "$meshkeep" init --data-dir "$data_dir" --recover
  else
    log "no node in $data_dir: creating a new one"
    log "================================================================"
    log "WARNING: the recovery phrase below is shown ONCE and never again."
    log "Write it down now and keep it offline (two copies, not in a config"
    log "file). Without it the data is lost if this volume is lost."
    log "================================================================"
    "$meshkeep" init --data-dir "$data_dir"
    log "================================================================"
    log "Recorded the phrase? It will not be printed again."
    log "================================================================"
  fi
}

case "${1:-}" in
'' | -*) ;;
daemon) shift ;;
*)
  unset INIT_RECOVERY_PHRASE INIT_RECOVERY_PHRASE_FILE ENTRYPOINT_MESHKEEP_BIN
  exec "$meshkeep" "$@"
  ;;
esac

if [ ! -e "$data_dir/node.key" ]; then
  init_node
fi
unset INIT_RECOVERY_PHRASE INIT_RECOVERY_PHRASE_FILE ENTRYPOINT_MESHKEEP_BIN
exec "$meshkeep" daemon "$@"
