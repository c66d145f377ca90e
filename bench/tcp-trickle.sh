#!/usr/bin/env bash
# SIP over TCP, a header trickled in tiny pieces: the registrar's CPU time per
# connection (utime + stime of the process, from /proc/PID/stat), for a REGISTER
# whose head is ~4 KB and ~60 KB (under the 64 KiB limit: answered 401) and
# ~70 KB (over it: answered 513 and closed). Shows whether framing costs grow
# with the square of the head (a rescan on every read) or stay linear: the
# cost per send should not depend on the head's size.
#
# Usage: bench/tcp-trickle.sh [PIECE_BYTES=1] [PAUSE_US=50]
#   ROOMCLOUD_BIN=path   the binary to measure (default target/release/roomcloud)
# Each piece is one send() with TCP_NODELAY, PAUSE_US apart, so the registrar
# reads about one piece per read.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

piece=${1:-1}
pause_us=${2:-50}
roomcloud=${ROOMCLOUD_BIN:-target/release/roomcloud}
[[ -x $roomcloud ]] || { echo "build first: cargo build --release -p roomcloud" >&2; exit 1; }
tmp=$(mktemp -d /tmp/roomcloud-trickle.XXXXXX)
rc_pid=
trap '[[ -z $rc_pid ]] || kill "$rc_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

port=$(free_tcp_udp_port)
serve_cloud "$tmp/data" bench.local "$port"

python3 - "$rc_pid" "$port" "$piece" "$pause_us" <<'PY'
import os, socket, sys, time
pid, port, piece, pause = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) / 1e6
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / tick  # utime + stime

def register(head_bytes):
    lines = [
        "REGISTER sip:bench.local SIP/2.0",
        "Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-trickle",
        "From: <sip:bench0000@bench.local>;tag=t",
        "To: <sip:bench0000@bench.local>",
        "Call-ID: trickle",
        "CSeq: 1 REGISTER",
    ]
    text = "\r\n".join(lines) + "\r\n"
    filler = "X-Filler: " + "a" * 1000 + "\r\n"
    while len(text) + len(filler) < head_bytes:
        text += filler
    return (text + "Content-Length: 0\r\n\r\n").encode()

def early_answer(s):
    """The registrar may answer (and close) before the head is all sent."""
    try:
        return s.recv(65536, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return b""

print(f"registrar CPU per connection, head trickled {piece} byte(s) per send, {pause * 1e6:.0f} us apart")
print(f"{'head':>8} {'sends':>7} {'wall s':>7} {'CPU ms':>8} {'us/send':>8}  answer")
for head_bytes in (4_000, 60_000, 70_000):
    data = register(head_bytes)
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    before, t0 = cpu_ms(), time.time()
    sends, answer = 0, b""
    try:
        for i in range(0, len(data), piece):
            s.send(data[i:i + piece])
            sends += 1
            if pause:
                time.sleep(pause)
            if sends % 1000 == 0:
                answer += early_answer(s)
                if answer:
                    break
    except OSError:
        pass  # closed by the registrar
    s.settimeout(10)
    try:
        while b"\r\n" not in answer:
            more = s.recv(65536)
            if not more:
                break
            answer += more
    except OSError as e:
        answer = answer or f"({e.__class__.__name__})".encode()
    wall = time.time() - t0
    time.sleep(0.3)
    cpu = cpu_ms() - before
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed, no answer)"
    print(f"{len(data):>8} {sends:>7} {wall:>7.1f} {cpu:>8.0f} {cpu * 1000 / sends:>8.1f}  {line}")
    s.close()
PY
