#!/bin/sh
# The whole test suite: unit, end-to-end (containers, interop with Docker 20.10 and skopeo),
# and every front end's own tests. Runs as root (containers need it).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "the tests run containers: run them as root" >&2; exit 1; }
scripts/setup-debian.sh

# Binaries first: the end-to-end tests drive dock, the monitor and the probe as real programs.
cargo build --workspace --locked
cargo test --workspace --locked --no-fail-fast
# Tests that need more of the host than root are #[ignore]d with what they need (a cgroup layout,
# the i386 ABI, Docker and skopeo as peers) and fail without it: this host, set up above, has it.
cargo test --locked --no-fail-fast -p libdocker-engine --lib -- --ignored
cargo test --locked --no-fail-fast -p libdocker-e2e --test interop --test build -- --ignored
