#!/usr/bin/env bash
# Join time: a terminal joins a meeting in which another room already sits,
# on loopback. A benchmark, not a test: it prints a table and writes
# bench/out/join-time.json; it asserts nothing about speed (it fails only if
# a join never completes). Target: first decoded picture < 1 s.
#
#  * answered: POST /api/v1/join -> status.call "in_call" (INVITE, the join
#    decision, the conference media joined, 200 OK, ACK)
#  * first picture: POST /api/v1/join -> GET /api/v1/call/snapshot answers
#    200 (the first frame decoded from the meeting's stream; the MCU forces
#    a key frame when someone joins)
#  Both polled every 5 ms, RUNS times (median / p90 / min / max), 720p class.
#
# Usage: bench/join-time.sh [RUNS=10]   (expects target/release/roomcloud and
#        target/release/roomterm; ROOMTERM_BIN / ROOMCLOUD_BIN point at others)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

runs=${1:-${JOIN_RUNS:-10}}
use_release_bins "$runs"

mkdir -p bench/out
tmp=$(mktemp -d /tmp/roomterm-join.XXXXXX)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

http=$(free_tcp_udp_port)
sip=$(free_tcp_udp_port)
"$roomcloud" --data "$tmp/cloud" serve --demo --http "127.0.0.1:$http" --sip "127.0.0.1:$sip" \
  >"$tmp/cloud.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $tmp/cloud/demo.json ]] && break; sleep 0.1; done
[[ -s $tmp/cloud/demo.json ]] || { echo "roomcloud did not start" >&2; cat "$tmp/cloud.log" >&2; exit 1; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
api=$(field "$tmp/cloud/cloud.json" api_url)
meeting=$(field "$tmp/cloud/demo.json" meeting_id)
code() {
  "$roomcloud" --data "$tmp/cloud" --json device reset-code "$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["activation_code"])'
}
lobby_port=$(free_tcp_udp_port)
room_port=$(free_tcp_udp_port)
"$roomterm" --data "$tmp/lobby" --sn RT-DEMO-0002 --server "$api" --code "$(code RT-DEMO-0002)" \
  --control "127.0.0.1:$lobby_port" --no-input-devices --headless --join "$meeting" >"$tmp/lobby.log" 2>&1 &
pids+=($!)
"$roomterm" --data "$tmp/room" --sn RT-DEMO-0001 --server "$api" --code "$(code RT-DEMO-0001)" \
  --control "127.0.0.1:$room_port" --no-input-devices --headless >"$tmp/room.log" 2>&1 &
pids+=($!)

python3 - "$runs" "$meeting" "127.0.0.1:$lobby_port" "$tmp/lobby/control-token" \
  "127.0.0.1:$room_port" "$tmp/room/control-token" bench/out/join-time.json <<'EOF'
import json, statistics, sys, time, urllib.error, urllib.request

runs, meeting, lobby, lobby_token, room, room_token, out = sys.argv[1:]
runs = int(runs)

def wait_token(path):
    for _ in range(200):
        try:
            token = open(path).read().strip()
            if token:
                return token
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    sys.exit(f"no control token at {path}")

def call(addr, token, method, path, body=None):
    req = urllib.request.Request(f"http://{addr}/api/v1{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"authorization": f"Bearer {token}",
                                          "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""

def status(addr, token):
    code, body = call(addr, token, "GET", "/status")
    return json.loads(body) if code == 200 else {}

def wait(what, check, limit=20.0, every=0.005, explain=lambda: ""):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(every)
    sys.exit(f"timed out waiting for {what} {explain()}")

lobby_token, room_token = wait_token(lobby_token), wait_token(room_token)
wait("the lobby in its meeting",
     lambda: status(lobby, lobby_token).get("call", {}).get("state") == "in_call", 30, 0.05)
wait("the room registered",
     lambda: status(room, room_token).get("sip", {}).get("state") == "registered", 30, 0.05)

answered, pictured = [], []
for i in range(runs):
    t0 = time.monotonic()
    code, body = call(room, room_token, "POST", "/join", {"meeting_id": meeting})
    if code != 202:
        sys.exit(f"join refused: {code} {body!r}")
    t_in = wait("in_call", lambda: status(room, room_token)["call"]["state"] == "in_call",
                explain=lambda: status(room, room_token)["call"])
    t_pic = wait(f"a picture (join {i + 1})",
                 lambda: call(room, room_token, "GET", "/call/snapshot")[0] == 200,
                 explain=lambda: call(room, room_token, "GET", "/call/snapshot"))
    answered.append((t_in - t0) * 1000)
    pictured.append((t_pic - t0) * 1000)
    call(room, room_token, "POST", "/hang-up")
    wait("ended", lambda: status(room, room_token)["call"]["state"] == "ended")
    time.sleep(0.3)

def summary(xs):
    xs = sorted(xs)
    return {"median_ms": round(statistics.median(xs), 1),
            "p90_ms": round(xs[min(len(xs) - 1, int(len(xs) * 0.9))], 1),
            "min_ms": round(xs[0], 1), "max_ms": round(xs[-1], 1)}

result = {"runs": runs, "class": "720p", "answered": summary(answered),
          "first_picture": summary(pictured), "target_first_picture_ms": 1000}
print(f"join time over {runs} runs (loopback, 720p, one room already in the meeting)")
print(f"{'':16}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}")
for name, key in (("answered", "answered"), ("first picture", "first_picture")):
    s = result[key]
    print(f"{name:16}{s['median_ms']:>8.1f}ms{s['p90_ms']:>8.1f}ms{s['min_ms']:>8.1f}ms{s['max_ms']:>8.1f}ms")
ratio = result["first_picture"]["median_ms"] / 1000
print(f"first picture / 1 s target: {ratio:.2f}")
json.dump(result, open(out, "w"), indent=2)
EOF
echo "JSON in bench/out/join-time.json"
