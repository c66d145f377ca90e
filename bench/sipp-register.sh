#!/usr/bin/env bash
# Run the REGISTER+digest scenario with sipp against one registrar and report.
#
# Usage: sipp-register.sh HOST PORT DOMAIN COUNT OUTJSON
#   COUNT    number of successful registrations wanted (sipp -m)
#   OUTJSON  file to which one JSON result line is appended ("-" = stdout only)
# Env (optional):
#   LABEL=registrar     name of the system under test, copied into the JSON
#   LIMIT=500           max registrations in flight (sipp -l); on this 2-core
#                       box Kamailio saturates around 500 (200: ~20% less)
#   RATE=100000         new registrations per second (sipp -r); the default is
#                       so high that LIMIT is the real bound (closed loop)
#   USERS=users.csv     sipp injection file; SCENARIO=register.xml
#   SIPP_ARGS=""        extra sipp arguments
#   LOCAL_IP=127.0.0.1  address sipp binds to (sipp -i)
#   SIPP_CPUS=""        pin sipp to these CPUs (taskset -c list, e.g. 0)
#   KEEP_WORK=1         keep sipp's stats/error/screen files (path printed)
# Exit status: 0 iff every call succeeded and none failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if (($# != 5)); then
  sed -n '2,18p' "$0" >&2
  exit 64
fi
host=$1 port=$2 domain=$3 count=$4 outjson=$5
label=${LABEL:-registrar}
limit=${LIMIT:-500}
local_ip=${LOCAL_IP:-127.0.0.1}
rate=${RATE:-100000}
users=$(realpath "${USERS:-$BENCH_DIR/users.csv}")
scenario=$(realpath "${SCENARIO:-$BENCH_DIR/register.xml}")
[[ $outjson == - ]] || outjson=$(realpath -m "$outjson")

work=$(mktemp -d /tmp/sipp-register.XXXXXX)
if [[ ${KEEP_WORK:-0} == 1 ]]; then
  echo "sipp work dir: $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi

# Safety net so a dead registrar cannot hang the run: at least 60 s,
# or 10x the time COUNT would take at 1000 regs/s.
global_timeout=$((count / 100 > 60 ? count / 100 : 60))

# -auth_uri: digest uri = the Request-URI (sip:DOMAIN); sipp's default would
#   be HOST:PORT, which a strict registrar may reject.
# -key domain: fills [domain] in the scenario.
# -recv_timeout: a registration whose answer does not come in 5 s is failed
#   (instead of waiting for sipp's long UDP retransmission schedule).
# -buff_size: 4 MB socket buffers; with the 208 KB default sipp itself drops
#   bursts of 401/200 answers (RcvbufErrors) and the run fills with 500 ms
#   retransmissions.
# -trace_stat/-stf: cumulative counters, last line written on exit.
set +e
(
  cd "$work"
  pin=()
  [[ -z ${SIPP_CPUS:-} ]] || pin=(taskset -c "$SIPP_CPUS")
  exec "${pin[@]}" sipp "$host:$port" -sf "$scenario" -inf "$users" \
    -key domain "$domain" -auth_uri "$domain" \
    -i "$local_ip" -p "$(free_udp_port "$local_ip")" \
    -m "$count" -r "$rate" -rp 1000 -l "$limit" \
    -recv_timeout 5000 -timeout "${global_timeout}s" -timeout_error \
    -max_recv_loops 10000 -max_sched_loops 10000 \
    -trace_stat -stf stats.csv -fd 5 \
    -trace_err -error_file errors.log \
    -trace_screen -screen_file screen.log \
    -buff_size 4194304 -nostdin ${SIPP_ARGS:-} >sipp.out 2>&1
)
sipp_rc=$?
set -e

if [[ ! -s $work/stats.csv ]]; then
  echo "sipp-register: sipp (rc=$sipp_rc) wrote no statistics; output:" >&2
  tail -20 "$work/sipp.out" >&2
  exit 1
fi

# Pick columns by header name from the last (final, cumulative) stats line.
# StartTime/CurrentTime look like "2026-01-01<TAB>12:00:00.123<TAB>1767268800.123".
read -r start_epoch cur_epoch created ok failed retrans rtt rtt_sd < <(
  awk -F';' '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { last = $0 }
    END {
      n = split(last, f, ";")
      split(f[col["StartTime"]], s, "\t"); split(f[col["CurrentTime"]], c, "\t")
      print s[3], c[3], f[col["TotalCallCreated"]], f[col["SuccessfulCall(C)"]],
            f[col["FailedCall(C)"]], f[col["Retransmissions(C)"]],
            f[col["ResponseTime1(C)"]], f[col["ResponseTime1StDev(C)"]]
    }' "$work/stats.csv")

elapsed=$(awk -v a="$start_epoch" -v b="$cur_epoch" 'BEGIN { printf "%.3f", b - a }')
rps=$(awk -v n="$ok" -v t="$elapsed" 'BEGIN { printf "%.1f", (t > 0 ? n / t : 0) }')
rtt_ms=$(awk -v s="$(hms_to_s "$rtt")" 'BEGIN { printf "%.3f", s * 1000 }')
rtt_sd_ms=$(awk -v s="$(hms_to_s "$rtt_sd")" 'BEGIN { printf "%.3f", s * 1000 }')
sipp_version=$( (sipp -v 2>&1 || true) | awk '/SIPp v/ { sub(/\.$/, "", $2); print $2; exit }')  # sipp -v exits 99

printf '%s @ %s:%s (%s): %s ok, %s failed of %s in %ss -> %s regs/s' \
  "$label" "$host" "$port" "$domain" "$ok" "$failed" "$count" "$elapsed" "$rps"
printf ' | avg REGISTER..200 %s ms (sd %s), %s retransmissions, sipp rc %s\n' \
  "$rtt_ms" "$rtt_sd_ms" "$retrans" "$sipp_rc"
if ((failed > 0)) && [[ -s $work/errors.log ]]; then
  # sipp's error log entries have no newlines; show the beginning only
  echo "sipp errors (start): $(head -c 600 "$work/errors.log")" >&2
fi

json=$(printf '{"ts":"%s","label":"%s","host":"%s","port":%s,"domain":"%s","scenario":"%s","count":%s,"limit":%s,"rate":%s,"created":%s,"successful":%s,"failed":%s,"retransmissions":%s,"elapsed_s":%s,"regs_per_s":%s,"rtt_avg_ms":%s,"rtt_stdev_ms":%s,"sipp_rc":%s,"sipp_version":"%s"}' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$label" "$host" "$port" "$domain" "$(basename "$scenario")" \
  "$count" "$limit" "$rate" "$created" "$ok" "$failed" "$retrans" "$elapsed" "$rps" \
  "$rtt_ms" "$rtt_sd_ms" "$sipp_rc" "$sipp_version")
echo "$json"
[[ $outjson == - ]] || echo "$json" >>"$outjson"

((failed == 0 && ok == count))
