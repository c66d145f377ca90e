#!/usr/bin/env bash
# REGISTER + digest through a cluster's SIP edge: Kamailio with
# cloud/edge/kamailio.cfg in front of one and of two roomcloud nodes on one
# PostgreSQL, the one node without the edge, and Kamailio alone as the
# registrar (bench/kamailio.cfg) —
# same client (sipp), users and realm, one after the other. Prints a table
# and writes bench/out/edge-register.json. On one machine the nodes, the
# edge, PostgreSQL and sipp share the cores: the run shows what the edge
# and the shared store cost, not what more machines would add.
#
# Usage: bench/edge.sh [COUNT=50000]   (expects target/release/roomcloud)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

count=${1:-50000}
domain=bench.local
roomcloud=${ROOMCLOUD_BIN:-target/release/roomcloud}
[[ -x $roomcloud ]] || { echo "build first: cargo build --release -p roomcloud" >&2; exit 1; }
mkdir -p bench/out
tmp=$(mktemp -d /tmp/roomcloud-edge-bench.XXXXXX)
chmod 755 "$tmp"   # as root, PostgreSQL runs as postgres and must reach its directory
pids=()
pg_dirs=()
stop_all() {
  local pid dir
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  for dir in "${pg_dirs[@]}"; do tools/postgres stop "$dir"; done
  pg_dirs=()
}
trap 'stop_all; [[ -n ${KEEP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT

# cluster N: PostgreSQL, N nodes, the edge in front; sipp through the edge.
cluster() {
  local n=$1 url edge_port i data sip_port
  tools/postgres start "$tmp/pg$n" >/dev/null
  pg_dirs+=("$tmp/pg$n")
  url=$(cat "$tmp/pg$n/url")
  edge_port=$(free_udp_port 127.0.0.2)
  : >"$tmp/nodes$n.list"
  for ((i = 1; i <= n; i++)); do
    data=$tmp/c$n-$i
    RUST_LOG=warn "$roomcloud" --data "$data" serve --plain-http --domain "$domain" \
      --http 127.0.0.1:0 --sip 127.0.0.1:0 \
      --database "$url" --sip-edge "127.0.0.2:$edge_port" >"$data.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [[ -s $data/cloud.json ]] && break; sleep 0.1; done
    [[ -s $data/cloud.json ]] || { cat "$data.log" >&2; exit 1; }
    sip_port=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sip_udp"].rsplit(":", 1)[1])' "$data/cloud.json")
    echo "1 sip:127.0.0.1:$sip_port" >>"$tmp/nodes$n.list"
  done
  # the other nodes learn of the accounts by announcements
  add_bench_accounts "$tmp/c$n-1"
  mkdir -p "$tmp/edge$n"
  kamailio -f cloud/edge/kamailio.cfg -DD -E -l "udp:127.0.0.2:$edge_port" \
    -A "NODES_LIST=\"$tmp/nodes$n.list\"" -A "EDGE_DOMAIN=\"$domain\"" \
    -A "CTL_SOCK=\"unix:$tmp/edge$n/ctl\"" \
    -P "$tmp/edge$n/pid" -Y "$tmp/edge$n" -w "$tmp/edge$n" -m 1024 -M 16 \
    >"$tmp/edge$n.log" 2>&1 &
  pids+=($!)
  bench/sip-wait.sh 127.0.0.2 "$edge_port" "$domain" 30 ||
    { echo "the edge did not come up:" >&2; cat "$tmp/edge$n.log" >&2; exit 1; }
  if ((n == 1)); then
    # the same node without the edge in front: what the edge costs
    LABEL="node alone" bench/sipp-register.sh 127.0.0.1 "$sip_port" "$domain" "$count" "$tmp/node.jsonl"
  fi
  LABEL="edge+${n}node" bench/sipp-register.sh 127.0.0.2 "$edge_port" "$domain" "$count" "$tmp/edge$n.jsonl" ||
    { echo "registrations failed; the edge said:" >&2; grep -v "^ *$" "$tmp/edge$n.log" | tail -20 >&2; exit 1; }
  stop_all
}

cluster 1
cluster 2
bench/run-kamailio-bench.sh "$count" "$tmp/kamailio.jsonl"

python3 - "$tmp/node.jsonl" "$tmp/edge1.jsonl" "$tmp/edge2.jsonl" "$tmp/kamailio.jsonl" bench/out/edge-register.json <<'PY'
import json, sys
runs = [json.loads(open(p).read().splitlines()[-1]) for p in sys.argv[1:5]]
alone = runs[3]["regs_per_s"] or 1.0
print()
print(f"{'path':<12} {'ok':>8} {'failed':>7} {'regs/s':>10} {'avg ms':>7} {'retrans':>8} {'vs Kamailio alone':>18}")
for r in runs:
    print(f"{r['label']:<12} {r['successful']:>8} {r['failed']:>7} {r['regs_per_s']:>10.0f} "
          f"{r['rtt_avg_ms']:>7.1f} {r['retransmissions']:>8} {r['regs_per_s'] / alone:>18.2f}")
json.dump({"benchmark": "sip-register-digest-through-edge", "node_alone": runs[0],
           "edge_1_node": runs[1], "edge_2_nodes": runs[2], "kamailio_alone": runs[3]},
          open(sys.argv[5], "w"), indent=2)
print(f"written {sys.argv[5]}")
PY
