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

# serve_cloud DATA DOMAIN SIP_PORT [LOG_LEVEL=warn]: starts "$roomcloud serve"
# (plain HTTP on a free port) with its data in DATA and its log beside it
# (DATA.log), sets rc_pid, and waits until it has written cloud.json.
serve_cloud() {
  local data=$1 domain=$2 sip_port=$3 level=${4:-warn} http_port _
  http_port=$(free_tcp_udp_port)
  RUST_LOG=$level "$roomcloud" --data "$data" serve --plain-http --domain "$domain" \
    --http "127.0.0.1:$http_port" --sip "127.0.0.1:$sip_port" >"$data.log" 2>&1 &
  rc_pid=$!
  for _ in $(seq 100); do [[ -s $data/cloud.json ]] && break; sleep 0.1; done
  [[ -s $data/cloud.json ]] || { cat "$data.log" >&2; exit 1; }
}

# add_bench_accounts DATA: the enterprise Bench and bench/users.csv's SIP
# accounts, one at a time (the store refuses concurrent account writes).
add_bench_accounts() {
  local cli=("$roomcloud" --data "$1") user password _
  echo "provisioning $(($(wc -l <"$BENCH_DIR/users.csv") - 1)) SIP accounts..." >&2
  "${cli[@]}" enterprise create Bench >/dev/null
  tail -n +2 "$BENCH_DIR/users.csv" | while IFS=';' read -r user password _; do
    "${cli[@]}" sip-account add "$user" --enterprise Bench --password "$password" >/dev/null
  done
}
