#!/usr/bin/env bash
# Prints the name of a local stand-in for node:*-bookworm-slim, assembling it first if buildah
# does not have it yet (about a minute, once). The container test builds the real Dockerfile on
# top of it (through ARG NODE_IMAGE) on machines that have buildah but no registry access:
#
#   - Debian bookworm from debootstrap (--variant=minbase), from the mirror apt already uses;
#   - this machine's Node.js in /usr/local (node, npm, npx, corepack, headers), as in the
#     official image, with its docker-entrypoint.sh, ENTRYPOINT and CMD;
#   - the user node (uid/gid 1000);
#   - this machine's extra CAs (/usr/local/share/ca-certificates), so that `npm ci` in the
#     Dockerfile works behind a TLS-inspecting proxy, and its apt sources.
#
# It differs from the official image in its Node version (this machine's) and npm (this
# machine's). Env: UMAGATE_BASE_MIRROR=URL overrides the Debian mirror.
# Needs root (buildah's storage, debootstrap, chroot); installs buildah and debootstrap with
# apt-get when they are missing.
set -euo pipefail

log() { echo "local-base: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and buildah's storage in /var/lib/containers)"

install_missing() { # install_missing CMD:PKG... — apt-get the packages whose command is missing
  local p pkgs=()
  for p in "$@"; do command -v "${p%%:*}" >/dev/null || pkgs+=("${p#*:}"); done
  ((${#pkgs[@]})) || return 0
  command -v apt-get >/dev/null || die "missing ${pkgs[*]}, and no apt-get to install them"
  log "apt-get install ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

apt_source_files() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && echo "$f"
  done
  return 0
}

bookworm_mirror() { # the first apt source (one-line or deb822 format) serving the bookworm suite
  if [ -n "${UMAGATE_BASE_MIRROR:-}" ]; then echo "$UMAGATE_BASE_MIRROR"; return; fi
  local files; mapfile -t files < <(apt_source_files)
  ((${#files[@]})) || return 0
  awk 'FNR == 1 || /^[[:space:]]*$/ { u = ""; s = 0 }  /^[[:space:]]*#/ { next }
       $1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /:\/\//) { if ($(i+1) == "bookworm") { print $i; exit } break } }
       $1 == "URIs:" { u = $2 }  $1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") s = 1 }
       u != "" && s { print u; exit }' "${files[@]}"
}

install_missing buildah:buildah
node_version=$(node -v)
image="localhost/umagate-node-base:${node_version#v}-bookworm-slim"

# One builder at a time on this machine; the others wait, then find the image made.
exec 9>"${TMPDIR:-/tmp}/umagate-local-base.lock"
flock 9
if buildah inspect --type image "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi

install_missing debootstrap:debootstrap
mirror=$(bookworm_mirror)
[ -n "$mirror" ] || die "no bookworm source in apt's sources; set UMAGATE_BASE_MIRROR"
node=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/node_modules/npm
headers=$(dirname "$(dirname "$node")")/include/node

ctr="" work=$(mktemp -d)
cleanup() {
  if [ -n "$ctr" ]; then buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

ctr=$(buildah from scratch)
root=$(buildah mount "$ctr")
log "assembling $image: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# Node.js where the official image has it.
install -D -m 755 "$node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/etc"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
echo "update-notifier=false" >"$root/usr/local/etc/npmrc"
if [ -d "$(dirname "$npm_dir")/corepack" ]; then
  cp -a "$(dirname "$npm_dir")/corepack" "$root/usr/local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
fi
if [ -d "$headers" ]; then   # node-gyp would otherwise download the headers
  mkdir -p "$root/usr/local/include"
  cp -a "$headers" "$root/usr/local/include/node"
  echo "nodedir=/usr/local" >>"$root/usr/local/etc/npmrc"
fi
# The official image's entrypoint: an option or a non-command as first argument runs under node.
cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"

if [ -d /usr/local/share/ca-certificates ]; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the new root"
chroot "$root" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'

# RUN apt-get … in a Dockerfile uses the same sources as this machine (those naming the mirror).
mapfile -t sources < <(apt_source_files | xargs -r grep -lsF "$mirror" || true)
if ((${#sources[@]})); then
  rm -f "$root/etc/apt/sources.list"
  for f in "${sources[@]}"; do cp "$f" "$root$f"; done
fi
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*

inside=$(chroot "$root" /usr/local/bin/node -v) || die "node does not run in the new root"
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="${inside#v}" --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' "$ctr"
buildah umount "$ctr" >/dev/null
buildah commit -q --format docker --rm "$ctr" "$image" >/dev/null
ctr=""
log "assembled $image (node $inside)"
echo "$image"
