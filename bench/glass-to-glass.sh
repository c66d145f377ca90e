#!/usr/bin/env bash
# Glass-to-glass latency, terminal -> cloud MCU -> terminal, 720p30 on
# loopback (examples/glass_to_glass.rs: a frame-numbered camera, the
# terminal's encoder and decoder, the cloud's Conference). A benchmark, not
# a test: prints a table and the ratio to the 150 ms target, writes
# bench/out/glass-to-glass.json.
#
# Usage: bench/glass-to-glass.sh [SECONDS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
cargo build --release --locked --example glass_to_glass
target/release/examples/glass_to_glass "${1:-10}" bench/out/glass-to-glass.json
echo "JSON in bench/out/glass-to-glass.json"
