# shellcheck shell=bash
# shellcheck disable=SC2034  # ENGINE_* variables are read by the script that sources this one
# Sourced by scripts/container-test.sh: one set of operations over whichever container engine
# this machine has, so the test reads the same on a laptop with Docker, in CI and on a build
# host with buildah only.
#
#   engine_select                 sets ENGINE (docker | podman | buildah), or ENGINE_SKIP (why not);
#                                 fails on a UMAGATE_CONTAINER_ENGINE it does not know
#   engine_build CONTEXT TAG      builds the Dockerfile in CONTEXT
#   engine_start TAG ARGS...      runs the image's ENTRYPOINT with ARGS (like `docker run -d`);
#                                 sets ENGINE_STARTED to the container's name (not in a subshell:
#                                 the containers started are remembered for engine_cleanup)
#   engine_exec NAME CMD...       runs CMD in that running container (like `docker exec`)
#   engine_run TAG [-e K=V]... -- CMD...
#                                 runs CMD, not the ENTRYPOINT, in a new container, exit code kept
#   engine_healthcheck TAG        prints the image's HEALTHCHECK test, NUL-separated
#   engine_stop NAME              SIGTERM, SIGKILL after 10 s (like `docker stop`)
#   engine_logs NAME              what the container printed
#   engine_size TAG               the image size, e.g. "263 MB"
#   engine_cleanup                removes every container started here
#
# Containers share the host's network (`--network host`; buildah's chroot isolation has no
# network namespace at all), so a port the app listens on is the same port on the host. With
# Docker Desktop, that needs its host networking turned on.
# UMAGATE_CONTAINER_ENGINE=docker|podman|buildah picks the engine instead of detecting it.

ENGINE="" ENGINE_SKIP="" ENGINE_BASE="" ENGINE_STARTED=""
ENGINE_STATE=$(mktemp -d)
declare -A ENGINE_PIDS=()   # buildah: container name -> PID of its `buildah run`
ENGINE_NAMES=()

engine_answers() { # engine_answers docker|podman — its engine answers within 20 s
  command -v "$1" >/dev/null || return 1
  if command -v timeout >/dev/null; then timeout 20 "$1" info >/dev/null 2>&1; else "$1" info >/dev/null 2>&1; fi
}

engine_select() {
  local wanted=${UMAGATE_CONTAINER_ENGINE:-}
  local why=()
  case $wanted in
    ''|docker|podman|buildah) ;;
    *) echo "UMAGATE_CONTAINER_ENGINE=$wanted: expected docker, podman or buildah (or unset, to detect)" >&2; return 2 ;;
  esac
  if [ -z "$wanted" ] || [ "$wanted" = docker ]; then
    if engine_answers docker; then ENGINE=docker; return; fi
    why+=("docker: $(command -v docker >/dev/null && echo 'no engine answers (docker info failed)' || echo 'not installed')")
  fi
  if [ -z "$wanted" ] || [ "$wanted" = podman ]; then
    if engine_answers podman; then ENGINE=podman; return; fi
    why+=("podman: $(command -v podman >/dev/null && echo 'podman info failed' || echo 'not installed')")
  fi
  if [ -z "$wanted" ] || [ "$wanted" = buildah ]; then
    if [ "$(id -u)" != 0 ]; then
      why+=("buildah: needs root (its storage is /var/lib/containers)")
    elif ! command -v buildah >/dev/null && ! command -v apt-get >/dev/null; then
      why+=("buildah: not installed, and no apt-get to install it")
    else
      local err; err=$(mktemp)
      if ENGINE_BASE=$(bash "$(dirname "${BASH_SOURCE[0]}")/local-base.sh" 2>"$err"); then
        rm -f "$err"; ENGINE=buildah; engine_buildah_env; return
      fi
      why+=("buildah: the local base image cannot be assembled here: $(tail -n 3 "$err" | tr '\n' ' ')")
      rm -f "$err"
    fi
  fi
  local joined; joined=$(printf '%s; ' "${why[@]}")
  ENGINE_SKIP="no usable container engine (${joined%; })"
}

engine_buildah_env() {
  # buildah's default open-files limit (1024) is too low for npm, and asking above this host's
  # hard limit fails with EPERM; a containers.conf of our own avoids depending on /etc edits.
  local nofile; nofile=$(ulimit -Hn); [ "$nofile" != unlimited ] || nofile=1048576
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s"]\n' "$nofile" "$nofile" >"$ENGINE_STATE/containers.conf"
  export CONTAINERS_CONF="$ENGINE_STATE/containers.conf" BUILDAH_ISOLATION=chroot
}

# $BASHPID, not $$: a name taken inside $(…) is not remembered by the parent shell.
engine_new_name() { echo "umagate-test-$BASHPID-${#ENGINE_NAMES[@]}"; }

engine_build() {
  local context=$1 tag=$2
  case $ENGINE in
    docker) docker build -q -t "$tag" "$context" ;;
    # podman's default OCI format drops HEALTHCHECK, which the test checks.
    podman) podman build -q --format docker -t "$tag" "$context" ;;
    # --layers caches steps (npm ci reruns only when the lockfile changes); the stand-in base
    # goes in through the Dockerfile's ARG NODE_IMAGE, since nothing can be pulled here.
    buildah) buildah bud -q --isolation chroot --pull=never --layers --format docker \
               --build-arg NODE_IMAGE="$ENGINE_BASE" -t "$tag" "$context" ;;
  esac
}

engine_inspect_image() { # the image's configuration as JSON
  case $ENGINE in
    docker|podman) "$ENGINE" image inspect "$1" ;;
    buildah) buildah inspect --type image "$1" ;;
  esac
}

engine_image_config() { # engine_image_config TAG entrypoint|cmd|health — NUL-separated
  engine_inspect_image "$1" | node -e '
    const raw = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const image = Array.isArray(raw) ? raw[0] : raw;
    // docker/podman: Config; buildah: OCIv1.config and, in docker format, Docker.config.
    const configs = [image.Config, image.Docker?.config, image.OCIv1?.config].filter(Boolean);
    const first = (key) => configs.map((c) => c[key]).find((v) => v != null);
    const out = { entrypoint: () => first("Entrypoint"), cmd: () => first("Cmd"),
                  health: () => (first("Healthcheck") ?? image.Healthcheck)?.Test }[process.argv[1]]() ?? [];
    process.stdout.write(out.map((s) => s + "\0").join(""));' "$2"
}

engine_healthcheck() { engine_image_config "$1" health; }

engine_start() {
  local tag=$1; shift
  local name; name=$(engine_new_name); ENGINE_NAMES+=("$name")
  case $ENGINE in
    docker|podman) "$ENGINE" run -d --network host --name "$name" "$tag" "$@" >/dev/null ;;
    buildah)
      local entrypoint cmd
      mapfile -d '' entrypoint < <(engine_image_config "$tag" entrypoint)
      mapfile -d '' cmd < <(engine_image_config "$tag" cmd)
      [ $# -gt 0 ] || set -- ${cmd[@]+"${cmd[@]}"}   # as docker run: arguments replace CMD
      buildah from -q --pull=never --name "$name" "$tag" >/dev/null
      # Its own session, so that engine_stop can signal the whole process group.
      setsid buildah run --isolation chroot "$name" -- ${entrypoint[@]+"${entrypoint[@]}"} "$@" \
        </dev/null >"$ENGINE_STATE/$name.log" 2>&1 &
      ENGINE_PIDS[$name]=$!
      ;;
  esac
  ENGINE_STARTED=$name
}

engine_exec() {
  local name=$1; shift
  case $ENGINE in
    docker|podman) "$ENGINE" exec "$name" "$@" ;;
    buildah) buildah run --isolation chroot "$name" -- "$@" ;;
  esac
}

engine_run() {
  local tag=$1; shift
  local env=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    [ "$1" = -e ] || { echo "engine_run: unexpected $1" >&2; return 2; }
    env+=(--env "$2"); shift 2
  done
  shift
  case $ENGINE in
    docker|podman) "$ENGINE" run --rm --network host ${env[@]+"${env[@]}"} --entrypoint "$1" "$tag" "${@:2}" ;;
    buildah)
      local name; name=$(engine_new_name); ENGINE_NAMES+=("$name")
      buildah from -q --pull=never --name "$name" "$tag" >/dev/null
      local code=0
      buildah run --isolation chroot ${env[@]+"${env[@]}"} "$name" -- "$@" || code=$?
      buildah rm "$name" >/dev/null 2>&1 || true
      return "$code"
      ;;
  esac
}

engine_alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }

engine_stop() {
  local name=$1
  case $ENGINE in
    docker|podman) "$ENGINE" stop -t 10 "$name" >/dev/null ;;
    buildah)
      local pid=${ENGINE_PIDS[$name]:-}
      [ -n "$pid" ] || return 0
      # The container's main process is the child of buildah-chroot-exec in that session.
      local exec_pids main=()
      exec_pids=$(pgrep -g "$pid" -f '^buildah-chroot-exec' || true)
      for e in $exec_pids; do mapfile -t -O "${#main[@]}" main < <(pgrep -P "$e"); done
      [ ${#main[@]} -eq 0 ] || kill -TERM "${main[@]}" 2>/dev/null || true
      for _ in $(seq 50); do engine_alive "$pid" || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      unset "ENGINE_PIDS[$name]"
      ;;
  esac
}

engine_logs() {
  case $ENGINE in
    docker|podman) "$ENGINE" logs "$1" 2>&1 ;;
    buildah) cat "$ENGINE_STATE/$1.log" ;;
  esac
}

engine_size() {
  case $ENGINE in
    docker|podman) echo "$(($("$ENGINE" image inspect -f '{{.Size}}' "$1") / 1000000)) MB" ;;
    buildah) buildah images --format '{{.Size}}' "$1" | head -n 1 ;;
  esac
}

engine_cleanup() {
  local name
  for name in ${ENGINE_NAMES[@]+"${ENGINE_NAMES[@]}"}; do
    engine_stop "$name" >/dev/null 2>&1 || true
    case $ENGINE in
      docker|podman) "$ENGINE" rm -f "$name" >/dev/null 2>&1 || true ;;
      buildah) buildah rm "$name" >/dev/null 2>&1 || true ;;
    esac
  done
  rm -rf "$ENGINE_STATE"
}
