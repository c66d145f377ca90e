#!/usr/bin/env bash
# MCU cost: CPU of one meeting's conference media at 720p30 with 2, 4 and 8
# participants (examples/mcu_cost.rs: each participant a gst-launch-1.0
# process replaying a pre-encoded 720p30 stream, so only the MCU is
# measured). A benchmark, not a test: prints a table with the cost per
# participant relative to 2, writes bench/out/mcu-cost.json.
#
# Usage: bench/mcu-cost.sh [SECONDS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
cargo build --release --locked --example mcu_cost
target/release/examples/mcu_cost "${1:-10}" bench/out/mcu-cost.json
echo "JSON in bench/out/mcu-cost.json"
