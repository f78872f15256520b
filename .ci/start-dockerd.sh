#!/usr/bin/env bash
# Starts a Docker engine of the project's own, for the container tests: its own socket, data and exec
# folders (so it never meets a system engine), no bridge network and no iptables changes (the tests'
# containers need no network, and a sandbox must not have its firewall rewritten).
#
# Installs Debian's docker.io first when there is no engine binary (needs root and apt). Prints the
# DOCKER_HOST to use on its last line; idempotent: an engine already answering on the socket is reused.
# The engine's state is disposable (the test image is rebuilt in seconds): a fresh start begins with an
# empty data folder, because an engine killed with its session leaves mounts and network records that make
# the next start take minutes (500 stale sandboxes, 0.3 s each, seen here).
#
#   eval "$(.ci/start-dockerd.sh --export)"   # sets DOCKER_HOST in the calling shell
#
# Environment: MIGBENCH_DOCKER_ROOT (default /tmp/migbench-docker) holds the socket, data, exec root,
# pid file and the engine's log (dockerd.log).
set -euo pipefail

root="${MIGBENCH_DOCKER_ROOT:-/tmp/migbench-docker}"
sock="$root/docker.sock"
host="unix://$sock"
log="$root/dockerd.log"
export_only=false
[ "${1:-}" = "--export" ] && export_only=true

say() { echo "start-dockerd: $*" >&2; }

# `timeout`: a client can hang on the socket of an engine that is still loading.
answers() { DOCKER_HOST="$host" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# A live dockerd, not a zombie: a killed engine may stay <defunct> where PID 1 reaps nothing, and
# `kill -0` succeeds on zombies. Nor another program: a stale pid file's PID may have been reused.
alive() {
  local state
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ] || return 1
  state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  say "no Docker engine installed: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The package's postinst tries to start the service through init; that fails harmlessly here.
  apt-get install -y -qq docker.io >&2
fi

if answers; then
  say "engine already answering at $host"
else
  mkdir -p "$root"
  if [ -f "$root/dockerd.pid" ] && alive "$(cat "$root/dockerd.pid")"; then
    engine_pid="$(cat "$root/dockerd.pid")"
    say "dockerd (pid $engine_pid) is running but not answering yet"
  else
    rm -f "$root/dockerd.pid" "$sock"
    # Unmount what a killed engine left mounted under its folder (deepest first), then start empty.
    awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mnt; do
      umount -l "$mnt" 2>/dev/null || true
    done
    rm -rf "$root/data" "$root/exec"
    say "starting dockerd at $host (log: $log)"
    # overlay2 works on the ext4 of these machines; vfs is the fallback for filesystems that cannot
    # hold overlay upper dirs (overlay on overlay). setsid: the engine must outlive this script's group.
    driver_flags=()
    if [ -n "${MIGBENCH_DOCKER_STORAGE_DRIVER:-}" ]; then driver_flags=(--storage-driver "$MIGBENCH_DOCKER_STORAGE_DRIVER"); fi
    setsid dockerd \
      --host "$host" \
      --data-root "$root/data" \
      --exec-root "$root/exec" \
      --pidfile "$root/dockerd.pid" \
      --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
      "${driver_flags[@]}" \
      >"$log" 2>&1 </dev/null &
    engine_pid=$!
  fi
  started=$SECONDS
  until answers; do
    ((SECONDS - started < 180)) || break
    # The engine exited (its log says why): no point in waiting.
    alive "$engine_pid" || break
    sleep 0.5
  done
  if ! answers; then
    say "dockerd exited or did not answer within $((SECONDS - started)) s; its log ends with:"
    tail -n 30 "$log" >&2 || true
    exit 1
  fi
  say "engine up: $(DOCKER_HOST="$host" docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
fi

if $export_only; then echo "export DOCKER_HOST=$host"; else echo "$host"; fi
