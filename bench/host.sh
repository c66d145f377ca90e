#!/usr/bin/env bash
# Host action → effect at every receiver, with 8 sites in one meeting: a
# room (a whole terminal) hosts through its control API (SIP INFO), seven
# SIP guests with real call media each play a tone; mute all and unmute
# all, again and again, timed until the last receiver hears the change.
# A benchmark, not a test (tests/integration/host_bench.rs, #[ignore]d):
# prints a table and the ratio to the 300 ms target, writes
# bench/out/host.json.
#
# Usage: bench/host.sh [ROUNDS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
export RUSTC_WORKSPACE_WRAPPER="$PWD/tools/clippy-rustc"
HOST_BENCH_ROUNDS="${1:-10}" HOST_BENCH_JSON="$PWD/bench/out/host.json" \
  cargo test --locked -p roomterm --test integration -- \
  --ignored --exact host_bench::host_bench --nocapture
echo "JSON in bench/out/host.json"
