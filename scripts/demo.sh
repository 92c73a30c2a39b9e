#!/bin/sh
# The libdocker demo: a busybox image made from Debian's busybox-static (the embedded default),
# then what libdocker does with it — no daemon anywhere.
set -eu
cd "$(dirname "$0")/.."
DOCK="$PWD/target/release/dock"
export LIBDOCKER_ROOT="${LIBDOCKER_ROOT:-/tmp/libdocker-demo}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A busybox image from Debian's busybox-static, imported with our own import"
tests/fixtures/busybox-rootfs.sh "$work/busybox.tar" --with-probe target/release/probe
$DOCK import "$work/busybox.tar" busybox
$DOCK images

step "Hello from a container"
$DOCK run --rm busybox echo "hello from a container (exit code travels back)"

step "What the default container sees (Docker's profile)"
$DOCK run --rm --hostname demo busybox sh -c '
    echo "hostname: $(hostname)   pid: $$   user: $(id)"
    grep -E "^Cap(Eff|Bnd|Inh|Amb)|^Seccomp:|^NoNewPrivs" /proc/self/status
    echo "mounts: $(grep -c . /proc/self/mounts)   /proc/keys is masked: $(wc -c < /proc/keys) bytes"
    unshare -m true 2>&1 | sed "s/^/unshare -m: /"'

step "Limits: a 32 MB memory limit stops a 200 MB allocation (exit 137, OOMKilled)"
$DOCK run --name hog -m 32m busybox /usr/local/bin/probe alloc 200 || echo "exit code: $?"
$DOCK inspect -f 'OOMKilled={{.State.OOMKilled}} ExitCode={{.State.ExitCode}}' hog
$DOCK rm hog

step "A detached container, its logs, exec, top, diff"
$DOCK run -d --name web busybox sh -c 'echo started; while :; do date +%s > /tmp/now; sleep 1; done'
sleep 1
$DOCK ps
$DOCK logs web
$DOCK exec web sh -c 'echo "inside: $(cat /tmp/now)"'
$DOCK top web
$DOCK diff web

step "Commit it, and run the new image"
$DOCK commit -m "with a clock" -c 'CMD ["cat", "/tmp/now"]' web clock:1
$DOCK run --rm clock:1
$DOCK history clock:1
$DOCK rm -f web

step "Save in Docker's format, load into a fresh root"
$DOCK save -o "$work/clock.tar" clock:1
tar -tf "$work/clock.tar" | sed 's/^/  /'
LIBDOCKER_ROOT="$work/other-root" $DOCK load -i "$work/clock.tar"
LIBDOCKER_ROOT="$work/other-root" $DOCK run --rm clock:1

if [ -x examples/build/run.sh ]; then
    step "Build from a Dockerfile (examples/build)"
    examples/build/run.sh
fi

step "Clean up"
$DOCK rmi clock:1 busybox
$DOCK info | head -6
