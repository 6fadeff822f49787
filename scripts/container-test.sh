#!/usr/bin/env bash
# npm run test:container — builds the real Dockerfile and drives the image end to end:
# `umagate dev` inside the container, /healthz, the image's HEALTHCHECK, 401 with a ticket, an
# RPT from the image's own `umagate oxd`, 200 with it, a non-root user, and the image size.
#
# It uses ../shared/tools/container-smoke.sh (buildah, chroot isolation, a local stand-in for
# node:22-bookworm-slim) because these machines have no Docker engine. Where that tool or buildah
# cannot run, the test says why on a SKIPPED line and exits 0; any failure of the image is exit 1.
# Containers share the host's network, so every port is picked free on the host first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
smoke=$root/../shared/tools/container-smoke.sh
tag=localhost/umagate-test:smoke
dev_tag=localhost/umagate-test:dev
state=${SMOKE_STATE:-/run/container-smoke}   # where container-smoke.sh records its containers

say() { echo "container-test: $*"; }
skip() { echo "container-test: SKIPPED: $*"; exit 0; }
fail() { echo "container-test: FAILED: $*" >&2; exit 1; }

# --- can this machine build images at all? Every "no" here is a skip, said out loud. ---
[ -f "$smoke" ] || skip "container-smoke.sh not found at ../shared/tools beside the repository ($smoke)"
[ "$(id -u)" = 0 ] || skip "container-smoke.sh needs root (buildah stores images in /var/lib/containers)"
command -v buildah >/dev/null || command -v apt-get >/dev/null \
  || skip "neither buildah nor apt-get (to install it) is available"
base_log=$(mktemp)
if ! bash "$smoke" base >/dev/null 2>"$base_log"; then
  reason=$(tail -n 5 "$base_log" | tr '\n' ' ')
  rm -f "$base_log"
  skip "the local base image cannot be built here: $reason"
fi
rm -f "$base_log"

# --- from here on, anything that goes wrong is a failure of the image ---
pid="" log="" work=$(mktemp -d)
cleanup() {
  [ -z "$pid" ] || bash "$smoke" stop "$pid" >/dev/null 2>&1 || true
  [ -z "$log" ] || rm -f "$log"
  buildah rmi "$dev_tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
say "building $root/Dockerfile as $tag"
bash "$smoke" build "$root" "$tag" -q >/dev/null || fail "the Dockerfile does not build"
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

# `docker run IMAGE dev --port …` has no counterpart in container-smoke.sh (start runs the
# image's own ENTRYPOINT+CMD), so a one-line image on top of the real one sets that CMD.
printf 'FROM %s\nCMD ["dev", "--port", "%s", "--admin-port", "%s", "--oxd-port", "%s", "--oxd-socket-port", "%s"]\n' \
  "$tag" "$port" "$admin_port" "$oxd_port" "$socket_port" >"$work/Dockerfile"
bash "$smoke" build "$work" "$dev_tag" -q >/dev/null 2>&1 || fail "cannot derive the dev-mode image"

pid=$(bash "$smoke" start "$dev_tag" 2>/dev/null)
ctr=$(cat "$state/$pid")
log=$state/$ctr.log
say "umagate dev started in container $ctr (proxy :$port, admin :$admin_port, oxd REST :$oxd_port)"

ready=""
for _ in $(seq 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; then ready=yes; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { cat "$log" >&2; fail "/readyz on the admin port never answered 200"; }
curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/healthz" || fail "/healthz is not 200"
say "ok: /healthz and /readyz answer 200"

bash "$smoke" health "$tag" -e "UMAGATE_ADMIN_LISTEN=127.0.0.1:$admin_port" >/dev/null 2>&1 \
  || fail "the image's HEALTHCHECK reports unhealthy"
# …and that it can fail: nothing listens on the spare port.
if bash "$smoke" health "$tag" -e "UMAGATE_ADMIN_LISTEN=127.0.0.1:$unused_port" >/dev/null 2>&1; then
  fail "the HEALTHCHECK passes with no admin listener (port $unused_port)"
fi
say "ok: the image's HEALTHCHECK passes, and fails where nothing listens"

status=$(curl -s -o "$work/denied.json" -w '%{http_code}' "http://127.0.0.1:$port/photo")
[ "$status" = 401 ] || fail "GET /photo without a token answered $status, expected 401"
ticket=$(node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).ticket ?? "")' "$work/denied.json")
[ -n "$ticket" ] || fail "the 401 body carries no ticket: $(cat "$work/denied.json")"
say "ok: GET /photo without a token -> 401 with a ticket"

# Like `docker exec`: the image's own CLI, in the running container, with the ini it wrote.
rpt_json=$(BUILDAH_ISOLATION=chroot CONTAINERS_CONF="$state/containers.conf" buildah run --isolation chroot "$ctr" -- \
  umagate oxd uma-rp-get-rpt --oxd-config .umagate-state/umagate.cfg --ticket "$ticket") \
  || fail "umagate oxd uma-rp-get-rpt failed in the container"
rpt=$(printf '%s' "$rpt_json" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0, "utf8")).access_token ?? "")')
[ -n "$rpt" ] || fail "uma-rp-get-rpt printed no access_token: $rpt_json"
say "ok: umagate oxd uma-rp-get-rpt (in the container) -> an RPT"

status=$(curl -s -o "$work/granted.json" -w '%{http_code}' -H "Authorization: Bearer $rpt" "http://127.0.0.1:$port/photo")
[ "$status" = 200 ] || fail "GET /photo with the RPT answered $status, expected 200: $(cat "$work/granted.json")"
say "ok: GET /photo with the RPT -> 200 from the echo backend"

uid=$(bash "$smoke" run "$tag" -- id -u 2>/dev/null) || fail "cannot run id -u in the image"
[ "$uid" != 0 ] || fail "the image runs as root"
say "ok: runs as uid $uid"

stop_started=$(date +%s)
bash "$smoke" stop "$pid" >/dev/null 2>&1; pid=""
# container-smoke.sh escalates to SIGKILL after 10 s; a graceful stop is well under that.
[ $(($(date +%s) - stop_started)) -lt 10 ] || fail "umagate dev did not stop within 10 s of SIGTERM"
grep -q 'SIGTERM received, stopping' "$log" || fail "umagate dev did not log its SIGTERM shutdown"
say "ok: stops on SIGTERM"
size=$(buildah images --format '{{.Size}}' "$tag" | head -n 1)
say "PASSED in $(($(date +%s) - started)) s; image $tag is $size"
