# The two commands of the README (both set up a fresh Debian 12 machine first, as root):
#   make demo   build and run the demo
#   make test   build and run every test
.PHONY: demo test bench build

build:
	cargo build --release --workspace

demo:
	scripts/setup-debian.sh --demo
	cargo build --release --workspace
	scripts/demo.sh

test:
	scripts/test.sh

# Side-by-side figures (installs Debian's docker.io for the Docker column).
bench:
	scripts/setup-debian.sh
	cargo build --release --workspace
	target/release/images
	target/release/start
	target/release/bench-build
