#!/usr/bin/env bash
# MCU cost: CPU of one meeting's conference media with 2, 4, 8 (gallery and
# speaker view) and 16 participants, before (every sender at 720p30) and
# after (each at the size the MCU asks for: its largest tile)
# (examples/mcu_cost.rs: each participant a gst-launch-1.0 process
# replaying a pre-encoded stream, so only the MCU is measured). A
# benchmark, not a test: prints a table, writes bench/out/mcu-cost.json.
#
# Usage: bench/mcu-cost.sh [SECONDS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
cargo build --release --locked --example mcu_cost
target/release/examples/mcu_cost "${1:-10}" bench/out/mcu-cost.json
echo "JSON in bench/out/mcu-cost.json"
