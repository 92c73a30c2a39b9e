#!/bin/sh
# The whole test suite: unit, end-to-end (containers, interop with Docker 20.10 and skopeo),
# and every front end's own tests. Runs as root (containers need it).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "the tests run containers: run them as root" >&2; exit 1; }
scripts/setup-debian.sh

# Binaries first: the end-to-end tests drive dock, the monitor and the probe as real programs.
cargo build --workspace --locked
LIBDOCKER_REQUIRE_INTEROP=1 cargo test --workspace --locked --no-fail-fast
