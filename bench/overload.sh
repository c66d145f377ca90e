#!/usr/bin/env bash
# REGISTER overload: roomcloud offered REGISTER + digest at 1x, 2x and 4x its
# measured capacity, open loop, by sipp (bench/overload.xml: no
# retransmissions, a 503 ends a registration as "shed"). Prints a table and
# writes bench/out/overload.json:
#   offered/s   REGISTERs sent per second (both REGISTERs of a registration)
#   answered    401 + 200 received      shed     503 received
#   registered  registrations completed (200 to the authenticated REGISTER)
#   dropped     no answer within 2 s    other    any other answer
#   peak RSS    roomcloud's highest VmRSS during the run (sampled every 0.2 s)
#   RSS +10s    VmRSS 10 s after the offered load stopped
#   rcvbuf err  UDP receive-buffer drops on the host during the run (the
#               kernel's RcvbufErrors; sipp's own sockets count there too)
#
# Usage: bench/overload.sh [SECONDS=20] [MULTIPLES="1 2 4"]
#   ROOMCLOUD_BIN=path   the binary to measure (default target/release/roomcloud)
#   CAPACITY=n           skip the capacity run, take n registrations/s
#   SIPP_MAX_RATE=5000   most registrations/s one sipp instance is asked for;
#                        higher rates are split over several instances
#   KEEP_LOG=path        keep roomcloud's log there (RUST_LOG, default warn)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

seconds=${1:-20}
multiples=${2:-"1 2 4"}
domain=bench.local
roomcloud=${ROOMCLOUD_BIN:-target/release/roomcloud}
per_sipp=${SIPP_MAX_RATE:-5000}
[[ -x $roomcloud ]] || { echo "build first: cargo build --release -p roomcloud" >&2; exit 1; }
mkdir -p bench/out
tmp=$(mktemp -d /tmp/roomcloud-overload.XXXXXX)
rc_pid=
sampler_pid=
cleanup() {
  [[ -z $sampler_pid ]] || kill "$sampler_pid" 2>/dev/null || true
  [[ -z $rc_pid ]] || kill "$rc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [[ -z ${KEEP_LOG:-} ]] || cp "$tmp/data.log" "$KEEP_LOG"
  rm -rf "$tmp"
}
trap cleanup EXIT

sip_port=$(free_udp_port 127.0.0.1)
serve_cloud "$tmp/data" "$domain" "$sip_port" "${RUST_LOG:-warn}"

add_bench_accounts "$tmp/data"
bench/sip-wait.sh 127.0.0.1 "$sip_port" "$domain" 15

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$rc_pid/status"; }
rcvbuf_errors() { awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp; }

if [[ -z ${CAPACITY:-} ]]; then
  echo "measuring capacity (closed loop, 30000 registrations)..." >&2
  line=$(LABEL=capacity bench/sipp-register.sh 127.0.0.1 "$sip_port" "$domain" 30000 - | tail -1) || true
  CAPACITY=$(python3 -c 'import json,sys; print(int(json.loads(sys.argv[1])["regs_per_s"]))' "$line")
fi
echo "capacity: $CAPACITY registrations/s" >&2
rss_start=$(rss_kb)

: >"$tmp/rows"
for m in $multiples; do
  rate=$((CAPACITY * m))
  instances=$(((rate + per_sipp - 1) / per_sipp))
  each=$((rate / instances))
  echo "offering ${m}x: $rate registrations/s for ${seconds}s ($instances sipp)..." >&2
  work="$tmp/run$m"
  mkdir -p "$work"
  (while :; do rss_kb >>"$work/rss"; sleep 0.2; done) &
  sampler_pid=$!
  drops_before=$(rcvbuf_errors)
  pids=()
  for i in $(seq "$instances"); do
    mkdir -p "$work/$i"
    (
      cd "$work/$i"
      exec sipp "127.0.0.1:$sip_port" -sf "$BENCH_DIR/overload.xml" -inf "$BENCH_DIR/users.csv" \
        -key domain "$domain" -auth_uri "$domain" -i 127.0.0.1 -p "$(free_udp_port 127.0.0.1)" \
        -m $((each * seconds)) -r "$each" -rp 1000 -l 1000000 -nr -recv_timeout 2000 \
        -timeout $((seconds + 30))s -max_recv_loops 10000 -max_sched_loops 10000 \
        -trace_counts -buff_size 4194304 -nostdin >sipp.out 2>&1
    ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  drops_after=$(rcvbuf_errors)
  sleep 10
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  peak=$(sort -n "$work/rss" | tail -1)
  after=$(rss_kb)
  # Last line of each instance's per-message counts, summed by column name.
  python3 - "$m" "$rate" "$seconds" "$peak" "$after" "$((drops_after - drops_before))" "$work"/*/*counts*.csv >>"$tmp/rows" <<'PY'
import json, sys
m, rate, seconds, peak, after, drops = sys.argv[1:7]
total = {}
for path in sys.argv[7:]:
    lines = open(path).read().split("\n")
    lines = [l for l in lines if l.strip()]
    names, last = lines[0].split(";"), lines[-1].split(";")
    for name, value in zip(names, last):
        if name and value.strip().isdigit():
            total[name] = total.get(name, 0) + int(value)
def s(*names): return sum(total.get(n, 0) for n in names)
sent = s("0_REGISTER_Sent", "3_REGISTER_Sent")
row = {
    "multiple": int(m), "target_regs_per_s": int(rate), "seconds": int(seconds),
    "sent": sent, "offered_per_s": round(sent / int(seconds)),
    "answered": s("2_401_Recv", "5_200_Recv"), "registered": s("5_200_Recv"),
    "shed": s("1_503_Recv", "4_503_Recv"),
    "dropped": s("1_503_Timeout", "4_503_Timeout"),
    "other": s("1_503_Unexp", "2_401_Unexp", "4_503_Unexp", "5_200_Unexp"),
    "peak_rss_kb": int(peak), "rss_after_10s_kb": int(after), "rcvbuf_errors": int(drops),
}
print(json.dumps(row))
PY
done

python3 - "$tmp/rows" "$CAPACITY" "$rss_start" <<'PY'
import json, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
capacity, rss_start = int(sys.argv[2]), int(sys.argv[3])
mib = lambda kb: f"{kb / 1024:.0f} MiB"
print()
print(f"REGISTER overload, capacity {capacity} registrations/s (RSS before: {mib(rss_start)})")
head = f"{'offered':>8} {'offered/s':>10} {'answered':>9} {'registered':>10} {'shed 503':>9} {'dropped':>8} {'other':>6} {'peak RSS':>9} {'RSS +10s':>9} {'rcvbuf err':>10}"
print(head)
for r in rows:
    print(f"{str(r['multiple']) + 'x':>8} {r['offered_per_s']:>10} {r['answered']:>9} {r['registered']:>10} {r['shed']:>9} "
          f"{r['dropped']:>8} {r['other']:>6} {mib(r['peak_rss_kb']):>9} {mib(r['rss_after_10s_kb']):>9} {r['rcvbuf_errors']:>10}")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
load = open("/proc/loadavg").read().split()[:3]
json.dump({"benchmark": "sip-register-overload", "capacity_regs_per_s": capacity,
           "rss_before_kb": rss_start, "rows": rows, "commit": commit, "loadavg": load},
          open("bench/out/overload.json", "w"), indent=2)
print("written bench/out/overload.json")
PY
