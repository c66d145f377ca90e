# Shared helpers for the bench scripts (source it; needs bash).

BENCH_DIR=${BENCH_DIR:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"}

# free_udp_port [HOST]: print a UDP port on HOST (default 127.0.0.1) that
# nobody is bound to right now (random pick in 20000-59999, checked with ss).
free_udp_port() {
  local host=${1:-127.0.0.1} p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Hlun "( sport = :$p )" | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  echo "free_udp_port: no free port found" >&2
  return 1
}

# free_tcp_udp_port: a port free for both TCP and UDP on 127.0.0.1.
free_tcp_udp_port() {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$(free_udp_port 127.0.0.1)
    ss -Hltn "( sport = :$p )" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

# hms_to_s "HH:MM:SS:uuuuuu" -> seconds (sipp's time format in -trace_stat)
hms_to_s() {
  awk -F: '{ printf "%.6f", $1*3600 + $2*60 + $3 + $4/1e6 }' <<<"$1"
}

# use_release_bins RUNS: sets $roomcloud and $roomterm (ROOMCLOUD_BIN /
# ROOMTERM_BIN override), checks they are built and RUNS is a positive
# number, and clears the variables the binaries would read from the
# environment (each bench sets everything itself).
use_release_bins() {
  roomcloud=${ROOMCLOUD_BIN:-target/release/roomcloud}
  roomterm=${ROOMTERM_BIN:-target/release/roomterm}
  local bin
  for bin in "$roomcloud" "$roomterm"; do
    [[ -x $bin ]] || { echo "build first: cargo build --release -p roomcloud -p roomterm" >&2; exit 1; }
  done
  [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive number" >&2; exit 64; }
  unset ROOMCLOUD_URL ROOMCLOUD_TOKEN ROOMCLOUD_DATA ROOMTERM_DATA ROOMTERM_SN ROOMTERM_BOARDS
}
