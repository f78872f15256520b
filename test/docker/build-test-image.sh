#!/usr/bin/env bash
# Builds the container tests' image without a registry: a root filesystem made of local files, loaded
# with `docker import`. It holds
#   - Debian's static busybox (/bin/sh and the usual tools) for probes: env, ulimit, df, a memory hog;
#   - this machine's node binary and the shared libraries it links, and workloads/cpu-matmul, so that a
#     container runs the very workload the process runtime runs and the same parser reads its log.
# The inputs' hash is stored in a label; an image built from the same inputs is reused.
#
#   test/docker/build-test-image.sh [TAG]     # default migbench-test:local; prints the image ID
#
# Needs: a Docker engine (DOCKER_HOST), busybox-static (apt-get install busybox-static), node.
set -euo pipefail

tag="${1:-migbench-test:local}"
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
say() { echo "build-test-image: $*" >&2; }

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then busybox="$candidate"; break; fi
done
if [ -z "$busybox" ]; then
  say "no static busybox found: apt-get install busybox-static"
  exit 1
fi
node_bin="$(readlink -f "$(command -v node)")"
workload="$repo_root/workloads/cpu-matmul/main.js"

# The shared libraries node needs, with the dynamic loader: "libx.so => /path (addr)" and "/lib64/ld-... (addr)".
mapfile -t libs < <(ldd "$node_bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u)

inputs_hash="$(
  {
    # Contents and sizes only: the same inputs reached through another path are the same image.
    cat "$busybox" "$workload" "$0" | sha256sum
    stat -c '%s %Y' "$node_bin" "${libs[@]}"
  } | sha256sum | cut -c1-16
)"

if existing="$(docker image inspect --format '{{ index .Config.Labels "io.migbench.test-image-inputs" }} {{.Id}}' "$tag" 2>/dev/null)"; then
  if [ "${existing%% *}" = "$inputs_hash" ]; then
    say "$tag is up to date"
    echo "${existing#* }"
    exit 0
  fi
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,usr/bin,tmp,etc,proc,sys,dev,work,opt/migbench/workloads/cpu-matmul}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
cp "$node_bin" "$rootfs/usr/bin/node"
for lib in "${libs[@]}"; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
cp "$workload" "$rootfs/opt/migbench/workloads/cpu-matmul/main.js"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

say "importing $(du -sh "$rootfs" | cut -f1) as $tag"
old_id="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
id="$(tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change 'WORKDIR /work' \
  --change "LABEL io.migbench.test-image-inputs=$inputs_hash" \
  --change 'CMD ["/bin/sh"]' \
  - "$tag")"
# The image this one replaces, unless a container still uses it: 100 MB per rebuild adds up.
if [ -n "$old_id" ] && [ "$old_id" != "$id" ]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
echo "$id"
