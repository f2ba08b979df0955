#!/usr/bin/env bash
# meshkeep Docker testbed: a 5-node mesh (docker-compose.yml) end to end.
#
#   scripts/docker-testbed.sh
#
# Steps: build and start the mesh, wait until every node is healthy, put a
# random 8 MiB state on peer1, wait until it is replicated, stop peer4 and
# wait for repair, replace peer1 by a fresh container with an empty volume
# (a lost machine) created from the owner's phrase, recover the state there
# and compare SHA-256 digests. The mesh and its volumes are removed on exit.
#
# Needs Docker with the Compose v2 plugin (`docker compose`). Environment:
#   TESTBED_KEEP=1            leave the mesh running on exit (remove it with
#                             `docker compose -p meshkeep-testbed down -v`)
#   TESTBED_HEALTH_TIMEOUT    seconds to wait for healthy nodes (default 300)
#   TESTBED_MESH_TIMEOUT      seconds to wait for peer1 to see holders (default 300)
#   TESTBED_REPLICATE_TIMEOUT seconds to wait for the put to be replicated (default 300)
#   TESTBED_NOTICE_TIMEOUT    seconds to wait for the owner to notice lost copies (default 120)
#   TESTBED_REPAIR_TIMEOUT    seconds to wait for the repair (default 300)
#   TESTBED_RECOVER_TRIES     attempts at `meshkeep recover`, 10 s apart (default 12)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project=meshkeep-testbed
owner=peer1
lost=peer4
sample_bytes=$((8 * 1024 * 1024))
health_timeout=${TESTBED_HEALTH_TIMEOUT:-300}
mesh_timeout=${TESTBED_MESH_TIMEOUT:-300}
replicate_timeout=${TESTBED_REPLICATE_TIMEOUT:-300}
repair_timeout=${TESTBED_REPAIR_TIMEOUT:-300}
notice_timeout=${TESTBED_NOTICE_TIMEOUT:-120}
recover_tries=${TESTBED_RECOVER_TRIES:-12}

say() { printf '\n==> %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}

# ---- prerequisites ----------------------------------------------------------
if ! command -v docker >/dev/null 2>&1; then
  fail "docker is not installed or not on PATH. Install Docker Engine (or Docker Desktop) with the Compose v2 plugin."
fi
if ! compose_version=$(docker compose version 2>&1); then
  fail "'docker compose' is not available (${compose_version%%$'\n'*}). Install the Docker Compose v2 plugin (package docker-compose-plugin); the old python docker-compose v1 is not supported."
fi
if ! docker info >/dev/null 2>&1; then
  fail "the Docker daemon is not reachable. Start it, or check that this user may use it (docker group or rootless Docker)."
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  fail "neither sha256sum nor shasum is installed; one is needed to compare the states."
fi
echo "using ${compose_version%%$'\n'*}"

dc() { docker compose -p "$project" -f "$root/docker-compose.yml" "$@"; }
# A meshkeep client command inside a running node; stdin is passed through.
mk() {
  local svc=$1
  shift
  dc exec -T "$svc" /app/bin/meshkeep "$@"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/meshkeep-testbed.XXXXXX")
cleanup() {
  local rc=$?
  if [ "${TESTBED_KEEP:-0}" = 1 ]; then
    echo "TESTBED_KEEP=1: the mesh is still running; remove it with: docker compose -p $project down -v"
  else
    say "removing the testbed (containers, network, volumes)"
    dc down -v --remove-orphans >/dev/null 2>&1 || echo "warning: 'docker compose down -v' failed; run it by hand" >&2
  fi
  rm -rf "$work"
  if [ "$rc" -eq 0 ]; then echo "testbed: PASS"; else echo "testbed: FAIL (exit $rc)" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

health() {
  local id
  id=$(dc ps -q "$1" 2>/dev/null || true)
  if [ -z "$id" ]; then
    echo missing
  else
    docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo missing
  fi
}

wait_healthy() {
  local deadline=$((SECONDS + health_timeout)) svc status pending
  while :; do
    pending=""
    for svc in "$@"; do
      status=$(health "$svc")
      [ "$status" = healthy ] || pending="$pending $svc($status)"
    done
    [ -z "$pending" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      dc logs --tail 40 >&2 || true
      fail "not healthy after ${health_timeout}s:$pending"
    fi
    sleep 3
  done
}

# Evaluates a JavaScript expression on `meshkeep status --json` of a node
# (bound to `s`), with the Node inside the image: no jq needed on the host.
# Prints "unreachable" when the daemon does not answer.
status_eval() {
  local svc=$1 expr=$2
  local js="let t='';process.stdin.on('data',d=>t+=d).on('end',()=>{const s=JSON.parse(t);console.log(String($expr))})"
  # shellcheck disable=SC2016 # $1 is expanded by the container's sh
  dc exec -T "$svc" sh -c '/app/bin/meshkeep status --json --data-dir /data | /app/node_modules/node/bin/node -e "$1"' sh "$js" 2>/dev/null || echo unreachable
}
replicated() { status_eval "$owner" 's.chunks.replicated + "/" + s.chunks.total'; }
write_state() { status_eval "$owner" 's.writeState'; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 5 s.
wait_until() {
  local limit=$1 what=$2 deadline=$(($1 + SECONDS))
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 5
  done
  echo "ok after $((SECONDS - deadline + limit))s: $what"
}
is_active() { [ "$(write_state)" = ACTIVE ]; }
# Sets done_chunks and total_chunks from the owner's status; false when the
# daemon does not answer, has no version yet (total 0) or answers unexpectedly.
done_chunks=0 total_chunks=0
counts() {
  local r
  r=$(replicated)
  [[ $r =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[2]}" -gt 0 ] || return 1
  done_chunks=${BASH_REMATCH[1]} total_chunks=${BASH_REMATCH[2]}
}
fully_replicated() { counts && [ "$done_chunks" -eq "$total_chunks" ]; }
lost_copies() { counts && [ "$done_chunks" -lt "$total_chunks" ]; }

# ---- 1. the mesh ------------------------------------------------------------
say "building the image and starting the 5-node mesh (bootstrap, peer1..peer4)"
dc up -d --build
say "waiting until every node is healthy (meshkeep status answers)"
wait_healthy bootstrap peer1 peer2 peer3 peer4
dc ps

say "waiting until $owner sees other holders (write state ACTIVE)"
wait_until "$mesh_timeout" "$owner is ACTIVE" is_active || fail "$owner is still in state '$(write_state)' after ${mesh_timeout}s: it found no other holder"
mk "$owner" peers --data-dir /data || true

# ---- 2. put a random 8 MiB state on the owner --------------------------------
head -c "$sample_bytes" /dev/urandom >"$work/sample.bin"
want=$(sha256 "$work/sample.bin")
say "put: 8 MiB of random bytes on $owner (sha256 $want)"
mk "$owner" put --data-dir /data - <"$work/sample.bin"
mk "$owner" status --data-dir /data

say "waiting until every chunk has its two attested remote copies"
wait_until "$replicate_timeout" "all chunks replicated" fully_replicated ||
  fail "after ${replicate_timeout}s only $(replicated) chunks of $owner are replicated (state $(write_state))"
mk "$owner" replication --data-dir /data
[ "$(write_state)" = ACTIVE ] || fail "$owner is in state '$(write_state)', expected ACTIVE"

# ---- 3. lose a holder, watch the repair ---------------------------------------
say "stopping $lost: the chunks it held lose one copy"
dc stop "$lost"
say "waiting for $owner to notice (audits every 15 s, repair after 30 s in this testbed)"
if wait_until "$notice_timeout" "$owner sees missing copies" lost_copies; then
  mk "$owner" replication --data-dir /data || true
else
  echo "note: $owner showed no missing copies within ${notice_timeout}s (the repair may have been quicker than the 5 s polling)"
fi
say "waiting for the repair: new holders for the missing copies"
wait_until "$repair_timeout" "all chunks replicated again" fully_replicated ||
  fail "no repair after ${repair_timeout}s: $(replicated) chunks replicated, state $(write_state)"
mk "$owner" replication --data-dir /data
[ "$(write_state)" = ACTIVE ] || fail "after losing $lost, $owner is in state '$(write_state)', expected ACTIVE"
echo "repaired: $owner is ACTIVE and fully replicated without $lost"

# ---- 4. lose the owner, recover on a fresh container ---------------------------
say "replacing $owner by a fresh container with an empty volume (the machine is lost)"
dc rm --stop --force "$owner"
docker volume rm "${project}_${owner}-data" >/dev/null
# The new container starts from an empty /data: the entrypoint runs
# `meshkeep init --recover` with the owner's phrase (testbed-only, in docker-compose.yml).
dc up -d --no-deps "$owner"
wait_healthy "$owner"
mk "$owner" id --data-dir /data

say "recovering the state on the fresh $owner"
got=""
for attempt in $(seq 1 "$recover_tries"); do
  if mk "$owner" recover --data-dir /data - >"$work/recovered.bin" 2>"$work/recover.err"; then
    got=$(sha256 "$work/recovered.bin")
    break
  fi
  echo "attempt $attempt/$recover_tries: $(tail -n1 "$work/recover.err")"
  sleep 10
done
[ -n "$got" ] || fail "recover did not succeed after $recover_tries attempts: $(cat "$work/recover.err")"

echo "original  sha256 $want"
echo "recovered sha256 $got"
[ "$got" = "$want" ] || fail "the recovered state differs from the original"
say "recovered state is identical to the original (8 MiB, sha256 $got)"
