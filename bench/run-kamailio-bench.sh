#!/usr/bin/env bash
# REGISTER + digest-auth throughput of Kamailio (reference registrar).
#
# Usage: run-kamailio-bench.sh [COUNT=100000] [OUTJSON=bench/results.jsonl]
# Env: DOMAIN=bench.local  CHILDREN=2 (kamailio UDP workers)
#      LIMIT / RATE / SIPP_ARGS   passed through to sipp-register.sh
#      KAM_CPUS=""                pin kamailio to these CPUs (taskset -c list);
#                                 with SIPP_CPUS, keeps client and server
#                                 from competing for the same cores
#      KEEP_TMP=1                 keep the temp dir (kamailio.log etc.)
#
# Starts kamailio in the foreground on a free 127.0.0.1 UDP port with its
# pid file, runtime dir and user table in a temp dir (no system service, no
# root-only paths), checks that a wrong password is rejected, then runs the
# benchmark and appends one JSON line to OUTJSON. Kamailio is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

count=${1:-100000}   # ~3-4 s here; 20000 is over in <1 s, too noisy
outjson=$(realpath -m "${2:-$BENCH_DIR/results.jsonl}")
domain=${DOMAIN:-bench.local}
children=${CHILDREN:-2}
users=$BENCH_DIR/users.csv

tmp=$(mktemp -d /tmp/kamailio-bench.XXXXXX)
kam_pid=
cleanup() {
  if [[ -n $kam_pid ]] && kill -0 "$kam_pid" 2>/dev/null; then
    kill -TERM "$kam_pid"            # main process; it stops its children
    wait "$kam_pid" 2>/dev/null || true
  fi
  if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# User table for htable, as a db_text table built from users.csv
# (field0 = username, field1 = password). Columns are htable's defaults.
mkdir -p "$tmp/db" "$tmp/run"
{
  echo 'id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int)'
  awk -F';' 'NR > 1 && !/^#/ && NF >= 2 { printf "%d:%s:0:0:%s:0\n", ++n, $1, $2 }' "$users"
} >"$tmp/db/users"

port=$(free_udp_port)
# -DD: stay in foreground (no daemonizing)   -E: log to stderr
# -P/-Y/-w: pid file, runtime dir (would be /run/kamailio) and cwd in $tmp
# -m/-M: shared/private memory in MB
pin=()
[[ -z ${KAM_CPUS:-} ]] || pin=(taskset -c "$KAM_CPUS")
"${pin[@]}" kamailio -f "$BENCH_DIR/kamailio.cfg" -DD -E \
  -l "udp:127.0.0.1:$port" \
  -A "USERS_DB_URL=\"text://$tmp/db\"" \
  -A "BENCH_DOMAIN=\"$domain\"" \
  -A "BENCH_CHILDREN=$children" \
  -A "CTL_SOCK=\"unix:$tmp/kamailio.ctl\"" \
  -P "$tmp/kamailio.pid" -Y "$tmp/run" -w "$tmp" -m 128 -M 16 \
  >"$tmp/kamailio.log" 2>&1 &
kam_pid=$!

if ! "$BENCH_DIR/sip-wait.sh" 127.0.0.1 "$port" "$domain" 15 || ! kill -0 "$kam_pid" 2>/dev/null; then
  echo "kamailio did not come up; log:" >&2
  tail -20 "$tmp/kamailio.log" >&2
  exit 1
fi
echo "kamailio $(kamailio -v | awk 'NR==1 {print $3}') up on udp:127.0.0.1:$port (pid $kam_pid, realm $domain, $children children)"

# Negative check: REGISTERs signed with a wrong password must get 403/401.
# (register-wrong.xml counts a call as successful only when rejected.)
if ! SCENARIO=$BENCH_DIR/register-wrong.xml USERS=$BENCH_DIR/users-wrong.csv \
  LABEL=kamailio-wrong-password "$BENCH_DIR/sipp-register.sh" 127.0.0.1 "$port" "$domain" 10 - >/dev/null; then
  echo "FAIL: wrong passwords were not rejected" >&2
  exit 1
fi
echo "wrong-password check: 10/10 REGISTERs rejected"

rc=0
kamstat() { kamcmd -s "unix:$tmp/kamailio.ctl" stats.get_statistics "$@"; }
LABEL=kamailio "$BENCH_DIR/sipp-register.sh" 127.0.0.1 "$port" "$domain" "$count" "$outjson" || rc=$?
# bindings really saved? (expect one AOR per user of users.csv)
echo "kamailio stats:" $(kamstat registered_users location_contacts accepted_regs rejected_regs | tr -d ' ')
if grep -qE 'ERROR|CRITICAL' "$tmp/kamailio.log"; then
  echo "kamailio logged errors:" >&2
  grep -E 'ERROR|CRITICAL' "$tmp/kamailio.log" | head -5 >&2
fi
echo "result appended to $outjson"
exit "$rc"
