#!/usr/bin/env bash
# Loss resilience: the share of frames a terminal decodes intact when the
# network loses 0, 5, 10 or 20 % of packets at random, NACK/RTX off and on
# (examples/loss_resilience.rs: a frame-numbered 720p30 camera on a
# terminal's RTP leg, a terminal's CallMedia receiving, lossy relays with
# 20 ms one way between them). A benchmark, not a test: prints a table,
# writes bench/out/loss-resilience.json.
#
# Usage: bench/loss-resilience.sh [SECONDS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
cargo build --release --locked --example loss_resilience
target/release/examples/loss_resilience "${1:-10}" bench/out/loss-resilience.json
echo "JSON in bench/out/loss-resilience.json"
