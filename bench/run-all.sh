#!/usr/bin/env bash
# REGISTER + digest-auth throughput: roomcloud and Kamailio, same client
# (sipp), same users, same realm, same settings, one after the other.
# Prints both rates and the ratio; writes bench/out/sip-register.json.
#
# Usage: bench/run-all.sh [COUNT=100000]   (expects target/release/roomcloud)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

count=${1:-100000}
domain=bench.local
roomcloud=target/release/roomcloud
[[ -x $roomcloud ]] || { echo "build first: cargo build --release -p roomcloud" >&2; exit 1; }
mkdir -p bench/out
tmp=$(mktemp -d /tmp/roomcloud-bench.XXXXXX)
rc_pid=
cleanup() {
  [[ -z $rc_pid ]] || kill "$rc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

sip_port=$(free_udp_port 127.0.0.1)
serve_cloud "$tmp/data" "$domain" "$sip_port"

add_bench_accounts "$tmp/data"

bench/sip-wait.sh 127.0.0.1 "$sip_port" "$domain" 15
SCENARIO=bench/register-wrong.xml USERS=bench/users-wrong.csv \
  bench/sipp-register.sh 127.0.0.1 "$sip_port" "$domain" 10 - >/dev/null \
  || { echo "roomcloud accepted a wrong password" >&2; exit 1; }
LABEL=roomcloud bench/sipp-register.sh 127.0.0.1 "$sip_port" "$domain" "$count" "$tmp/roomcloud.jsonl"
rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$rc_pid/status")
kill "$rc_pid"; wait "$rc_pid" 2>/dev/null || true; rc_pid=

bench/run-kamailio-bench.sh "$count" "$tmp/kamailio.jsonl"

python3 - "$tmp/roomcloud.jsonl" "$tmp/kamailio.jsonl" "$rss_kb" bench/out/sip-register.json <<'PY'
import json, sys
rc = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ka = json.loads(open(sys.argv[2]).read().splitlines()[-1])
rc["peak_rss_kb"] = int(sys.argv[3])
ratio = rc["regs_per_s"] / ka["regs_per_s"] if ka["regs_per_s"] else 0.0
print()
print(f"{'registrar':<10} {'ok':>8} {'failed':>7} {'regs/s':>10} {'avg ms':>7} {'retrans':>8}")
for r in (rc, ka):
    print(f"{r['label']:<10} {r['successful']:>8} {r['failed']:>7} {r['regs_per_s']:>10.0f} "
          f"{r['rtt_avg_ms']:>7.1f} {r['retransmissions']:>8}")
print(f"\nroomcloud / kamailio throughput ratio: {ratio:.2f}  (roomcloud peak RSS {rc['peak_rss_kb'] / 1024:.1f} MiB)")
json.dump({"benchmark": "sip-register-digest", "roomcloud": rc, "kamailio": ka, "ratio": ratio},
          open(sys.argv[4], "w"), indent=2)
print(f"written {sys.argv[4]}")
PY
