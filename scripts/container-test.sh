#!/usr/bin/env bash
# npm run test:container — builds the real Dockerfile and drives the image end to end:
# `umagate dev` inside the container, /healthz, the image's HEALTHCHECK, 401 with a ticket, an
# RPT from the image's own `umagate oxd`, 200 with it, a non-root user, the LICENSE, a graceful
# SIGTERM, and the image size.
#
# It runs on Docker or Podman where one answers, else on buildah (as root), which builds on a
# local stand-in for node:*-bookworm-slim (scripts/container/local-base.sh) because nothing can
# be pulled there. Where none of them can run, it prints the reasons on a SKIPPED line and exits
# 0; any failure of the image is exit 1. Containers share the host's network, so every port is
# picked free on the host first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tag=localhost/umagate-test:smoke

say() { echo "container-test: $*"; }
skip() { echo "container-test: SKIPPED: $*"; exit 0; }
fail() { echo "container-test: FAILED: $*" >&2; exit 1; }

# shellcheck source-path=SCRIPTDIR source=container/engine.sh
source "$root/scripts/container/engine.sh"
work=$(mktemp -d)
trap 'engine_cleanup; rm -rf "$work"' EXIT

started=$(date +%s)
engine_select || fail "cannot choose a container engine"
[ -n "$ENGINE" ] || skip "$ENGINE_SKIP"
say "engine: $ENGINE${ENGINE_BASE:+ (base image $ENGINE_BASE)}"

# --- from here on, anything that goes wrong is a failure of the image ---
say "building $root/Dockerfile as $tag"
engine_build "$root" "$tag" >/dev/null || fail "the Dockerfile does not build"
say "built in $(($(date +%s) - started)) s"

# Five ports free on the host right now (all bound at once, so they are distinct); the last
# stays unused, for a HEALTHCHECK that must fail.
read -r port admin_port oxd_port socket_port unused_port < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2, 3, 4].map(() => net.createServer().listen(0, "127.0.0.1"));
  Promise.all(servers.map((s) => new Promise((r) => s.on("listening", r)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')

# Like `docker run IMAGE dev --port …`.
engine_start "$tag" dev --port "$port" --admin-port "$admin_port" --oxd-port "$oxd_port" --oxd-socket-port "$socket_port"
ctr=$ENGINE_STARTED
say "umagate dev started in container $ctr (proxy :$port, admin :$admin_port, oxd REST :$oxd_port)"

ready=""
for _ in $(seq 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; then ready=yes; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { engine_logs "$ctr" >&2; fail "/readyz on the admin port never answered 200"; }
curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/healthz" || fail "/healthz is not 200"
say "ok: /healthz and /readyz answer 200"

# The image's own HEALTHCHECK, run once in a fresh container (buildah never runs it by itself).
mapfile -d '' hc < <(engine_healthcheck "$tag")
case ${hc[0]:-NONE} in
  CMD) hc=("${hc[@]:1}") ;;
  CMD-SHELL) hc=(/bin/sh -c "${hc[1]}") ;;
  *) fail "the image has no HEALTHCHECK" ;;
esac
engine_run "$tag" -e "UMAGATE_ADMIN_LISTEN=127.0.0.1:$admin_port" -- "${hc[@]}" >/dev/null 2>&1 \
  || fail "the image's HEALTHCHECK reports unhealthy"
# …and that it can fail: nothing listens on the spare port.
if engine_run "$tag" -e "UMAGATE_ADMIN_LISTEN=127.0.0.1:$unused_port" -- "${hc[@]}" >/dev/null 2>&1; then
  fail "the HEALTHCHECK passes with no admin listener (port $unused_port)"
fi
say "ok: the image's HEALTHCHECK passes, and fails where nothing listens"

status=$(curl -s -o "$work/denied.json" -w '%{http_code}' "http://127.0.0.1:$port/photo")
[ "$status" = 401 ] || fail "GET /photo without a token answered $status, expected 401"
ticket=$(node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).ticket ?? "")' "$work/denied.json")
[ -n "$ticket" ] || fail "the 401 body carries no ticket: $(cat "$work/denied.json")"
say "ok: GET /photo without a token -> 401 with a ticket"

# Like `docker exec`: the image's own CLI, in the running container, with the ini it wrote.
rpt_json=$(engine_exec "$ctr" umagate oxd uma-rp-get-rpt --oxd-config .umagate-state/umagate.cfg --ticket "$ticket") \
  || fail "umagate oxd uma-rp-get-rpt failed in the container"
rpt=$(printf '%s' "$rpt_json" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0, "utf8")).access_token ?? "")')
[ -n "$rpt" ] || fail "uma-rp-get-rpt printed no access_token: $rpt_json"
say "ok: umagate oxd uma-rp-get-rpt (in the container) -> an RPT"

status=$(curl -s -o "$work/granted.json" -w '%{http_code}' -H "Authorization: Bearer $rpt" "http://127.0.0.1:$port/photo")
[ "$status" = 200 ] || fail "GET /photo with the RPT answered $status, expected 200: $(cat "$work/granted.json")"
say "ok: GET /photo with the RPT -> 200 from the echo backend"

uid=$(engine_run "$tag" -- id -u 2>/dev/null) || fail "cannot run id -u in the image"
[ "$uid" != 0 ] || fail "the image runs as root"
say "ok: runs as uid $uid"

engine_run "$tag" -- grep -q 'Apache License' /app/LICENSE 2>/dev/null || fail "the image does not carry the LICENSE"
say "ok: the LICENSE is in the image"

stop_started=$(date +%s)
engine_stop "$ctr"
# A stop escalates to SIGKILL after 10 s; a graceful stop is well under that.
[ $(($(date +%s) - stop_started)) -lt 10 ] || fail "umagate dev did not stop within 10 s of SIGTERM"
engine_logs "$ctr" | grep -q 'SIGTERM received, stopping' || fail "umagate dev did not log its SIGTERM shutdown"
say "ok: stops on SIGTERM"
say "PASSED in $(($(date +%s) - started)) s; image $tag is $(engine_size "$tag")"
