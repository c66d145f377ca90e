#!/usr/bin/env bash
# Terminal start-up and idle memory. A benchmark, not a test: it prints a
# table and writes bench/out/terminal-start.json; it asserts nothing about
# speed (it fails only if the terminal never registers).
#
#  * process start -> "SIP registered", against a roomcloud on loopback:
#      first boot  fresh data dir + activation code: activate, provision, REGISTER
#      restart     already-activated data dir: REGISTER only
#    RUNS times each (median / p90 / min / max). The headless terminal prints a
#    status line on every change; the time is taken when the line with
#    "SIP registered" arrives on its stdout (then confirmed on the control API).
#  * idle memory on the home page: IDLE_SECS after registering, VmRSS and
#    VmHWM (peak RSS) from /proc/PID/status, headless after a first boot and
#    after a restart, and - if xvfb-run is installed - the windowed terminal
#    under Xvfb (start -> registered there is polled on GET /api/v1/status
#    every 10 ms, since the window prints no status lines).
#
# Usage: bench/terminal-start.sh [RUNS=10]   (expects target/release/roomcloud
#        and target/release/roomterm; IDLE_SECS=5, NO_XVFB=1 skips the window,
#        ROOMTERM_BIN / ROOMCLOUD_BIN point at other binaries, CLOUD_LOG=info is
#        roomcloud's RUST_LOG)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BENCH_DIR/.."

runs=${1:-${TERMINAL_RUNS:-10}}
idle_secs=${IDLE_SECS:-5}
domain=bench.local
use_release_bins "$runs"

mkdir -p bench/out
tmp=$(mktemp -d /tmp/roomterm-bench.XXXXXX)
rc_pid=
# Every terminal the measuring helper starts is listed in $tmp/pids.
cleanup() {
  local rc=$? pid
  if ((rc != 0 && rc != 130)) && [[ -s $tmp/cloud.log ]]; then
    echo "roomcloud log (last lines):" >&2
    tail -n 15 "$tmp/cloud.log" | sed 's/^/  /' >&2
  fi
  if [[ -s $tmp/pids ]]; then
    while read -r pid; do
      [[ $(cat "/proc/$pid/comm" 2>/dev/null) == roomterm ]] && kill "$pid" 2>/dev/null || true
    done <"$tmp/pids"
  fi
  [[ -z $rc_pid ]] || kill "$rc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
sip_port=$(free_tcp_udp_port)
serve_cloud "$tmp/cloud" "$domain" "$sip_port" "${CLOUD_LOG:-info}"
api_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$tmp/cloud/cloud.json")
"$roomcloud" --data "$tmp/cloud" enterprise create Bench >/dev/null

# measure.py: starts one terminal, times it, optionally idles and reads its
# memory, stops it; one JSON line on stdout.
cat >"$tmp/measure.py" <<'PY'
import argparse, json, os, re, signal, socket, subprocess, sys, threading, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--data", required=True)
ap.add_argument("--sn", required=True)
ap.add_argument("--server", required=True)
ap.add_argument("--code")
ap.add_argument("--headless", action="store_true")
ap.add_argument("--idle", type=float, default=0)
ap.add_argument("--timeout", type=float, default=30)
ap.add_argument("--pids", required=True)
ap.add_argument("--log", required=True)
a = ap.parse_args()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

control = f"127.0.0.1:{free_port()}"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def api(path):
    token = open(os.path.join(a.data, "control-token")).read().strip()
    req = urllib.request.Request(f"http://{control}/api/v1/{path}",
                                 headers={"Authorization": f"Bearer {token}"})
    with opener.open(req, timeout=2) as r:
        return json.load(r)

cmd = [a.bin, "--data", a.data, "--sn", a.sn, "--server", a.server, "--control", control]
if a.code:
    cmd += ["--code", a.code]
if a.headless:
    cmd.append("--headless")
lines = []  # (ms since start, line)
log = open(a.log, "ab")
t0 = time.monotonic_ns()
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                        env=dict(os.environ, NO_COLOR="1"))
with open(a.pids, "a") as f:
    f.write(f"{proc.pid}\n")
ms = lambda: (time.monotonic_ns() - t0) / 1e6
timer = threading.Timer(a.timeout, proc.kill)
timer.start()
result = {"pid": proc.pid, "control": control}

def fail(why):
    proc.kill()
    proc.wait()
    sys.stderr.write(f"terminal {a.sn}: {why}\n")
    for t, l in lines:
        sys.stderr.write(f"  {t:8.1f} ms  {l}\n")
    log.flush()
    tail = open(a.log, "rb").read().decode(errors="replace").splitlines()[-15:]
    sys.stderr.write("terminal log (stderr, last lines):\n" + "".join(f"  {l}\n" for l in tail))
    sys.exit(1)

def drain():
    for raw in proc.stdout:
        lines.append((ms(), raw.decode(errors="replace").rstrip()))

def interrupted(*_):
    raise KeyboardInterrupt
signal.signal(signal.SIGTERM, interrupted)

try:
    if a.headless:
        registered = None
        for raw in proc.stdout:
            t = ms()
            line = raw.decode(errors="replace").rstrip()
            lines.append((t, line))
            if line.startswith("control API ") and "api_up_ms" not in result:
                result["api_up_ms"] = t
            if re.search(r"\bSIP registered\b", line):
                registered = t
                break
        if registered is None:
            fail(f"no 'SIP registered' line (exit {proc.poll()})")
        result["registered_ms"] = registered
        threading.Thread(target=drain, daemon=True).start()
        status = api("status")
        if status["sip"]["state"] != "registered":
            fail(f"control API says {status['sip']}")
    else:
        # The window prints no status lines: poll the control API.
        threading.Thread(target=drain, daemon=True).start()
        registered = None
        while registered is None and proc.poll() is None:
            try:
                if api("status")["sip"]["state"] == "registered":
                    registered = ms()
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        if registered is None:
            fail(f"never registered (exit {proc.poll()})")
        result["registered_ms"] = registered
        up = [t for t, l in list(lines) if l.startswith("control API ")]
        if up:
            result["api_up_ms"] = up[0]
    if a.idle > 0:
        time.sleep(a.idle)
        if proc.poll() is not None:
            fail(f"exited while idle ({proc.returncode})")
        result["page"] = api("ui")["page"]
        result["sip_state"] = api("status")["sip"]["state"]
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    result[key.lower() + "_kib"] = int(value.split()[0])
except KeyboardInterrupt:
    sys.exit(130)  # a plain status, so that the calling script stops too
finally:
    timer.cancel()
    if proc.poll() is None:
        # Headless stops on Ctrl-C; the windowed terminal ignores SIGINT
        # (as of 177bb1b), SIGTERM ends it.
        sig = signal.SIGINT if a.headless else signal.SIGTERM
        t_stop = time.monotonic_ns()
        proc.send_signal(sig)
        try:
            proc.wait(5)
            result["stopped_by"] = sig.name
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            result["stopped_by"] = f"SIGKILL ({sig.name} ignored for 5 s)"
        result["stop_ms"] = round((time.monotonic_ns() - t_stop) / 1e6, 1)
print(json.dumps(result))
PY

measure=(python3 "$tmp/measure.py" --bin "$roomterm" --server "$api_url" --pids "$tmp/pids" --log "$tmp/roomterm.log")
: >"$tmp/first.jsonl"
: >"$tmp/restart.jsonl"
: >"$tmp/window.jsonl"

echo "terminal start-up: $runs first boots, $runs restarts (load average $load_before)..." >&2
for ((i = 1; i <= runs; i++)); do
  sn=$(printf 'RT-BENCH-%04d' "$i")
  code=$("$roomcloud" --data "$tmp/cloud" --json device add "$sn" --enterprise Bench |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["activation_code"])')
  idle=0
  ((i < runs)) || idle=$idle_secs
  "${measure[@]}" --headless --data "$tmp/term-$i" --sn "$sn" --code "$code" --idle "$idle" >>"$tmp/first.jsonl"
done
# Restart run i restarts terminal i. Not one terminal N times: the terminal
# does not unregister when it stops and registers a new contact (new source
# port) when it starts, and roomcloud refuses an 11th binding per number
# ("403 Too Many Registrations", shown as "credentials refused").
for ((i = 1; i <= runs; i++)); do
  idle=0
  ((i < runs)) || idle=$idle_secs
  "${measure[@]}" --headless --data "$tmp/term-$i" --sn "$(printf 'RT-BENCH-%04d' "$i")" --idle "$idle" \
    >>"$tmp/restart.jsonl"
done

window_note=
if [[ ${NO_XVFB:-0} == 1 ]]; then
  window_note="skipped (NO_XVFB=1)"
elif ! command -v xvfb-run >/dev/null; then
  window_note="skipped (xvfb-run not installed: apt-get install xvfb xauth)"
else
  echo "windowed terminal under Xvfb: $runs restarts..." >&2
  # One Xvfb for all windowed runs; the terminals are started by measure.py.
  window_runs=$(cat <<EOF
for ((i = 1; i <= $runs; i++)); do
  idle=0; ((i < $runs)) || idle=$idle_secs
  $(printf '%q ' "${measure[@]}") --data "$tmp/term-\$i" --sn "\$(printf 'RT-BENCH-%04d' "\$i")" --idle "\$idle" || exit 1
done
EOF
)
  # Tried twice: Xvfb start-up is occasionally flaky on a busy machine.
  for attempt in 1 2; do
    : >"$tmp/window.jsonl"
    if xvfb-run -a -e "$tmp/xvfb-server.log" -s "-screen 0 1920x1080x24 -nolisten tcp" \
      bash -c "$window_runs" >>"$tmp/window.jsonl" 2>"$tmp/xvfb.log"; then
      window_note=
      break
    fi
    window_note="failed under xvfb-run: $(tail -n 3 "$tmp/xvfb.log" | tr '\n' ' ')"
    echo "windowed attempt $attempt $window_note" >&2
    sed 's/^/  Xvfb: /' "$tmp/xvfb-server.log" >&2 || true
    : >"$tmp/window.jsonl"
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# The checkout the binaries were presumably built from (./run bench builds first).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- src cloud proto ui board build.rs Cargo.toml Cargo.lock 2>/dev/null) ]] ||
  commit+=" + uncommitted changes"
[[ -z ${ROOMTERM_BIN:-}${ROOMCLOUD_BIN:-} ]] || commit="unknown (ROOMTERM_BIN/ROOMCLOUD_BIN; checkout $commit)"

python3 - "$tmp" bench/out/terminal-start.json "$runs" "$idle_secs" "$load_before" "$load_after" \
  "$window_note" "$("$roomterm" --version)" "$commit" "$roomterm" <<'PY'
import json, os, statistics, sys, time
tmp, out, runs, idle, load_before, load_after, window_note, version, commit, binary = sys.argv[1:]
binary_built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(binary)))

def read(name):
    path = os.path.join(tmp, name)
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []

def stats(rows, key="registered_ms"):
    samples = [r[key] for r in rows if key in r]
    if not samples:
        return None
    xs = sorted(samples)
    p90 = statistics.quantiles(xs, n=10, method="inclusive")[8] if len(xs) > 1 else xs[0]
    return {"runs": len(xs), "median_ms": round(statistics.median(xs), 1), "p90_ms": round(p90, 1),
            "min_ms": round(xs[0], 1), "max_ms": round(xs[-1], 1),
            "samples_ms": [round(x, 1) for x in samples]}  # in run order

def memory(rows):
    last = rows[-1] if rows else {}
    if "vmrss_kib" not in last:
        return None
    return {k: last[k] for k in ("vmrss_kib", "vmhwm_kib", "page", "sip_state")}

first, restart, window = read("first.jsonl"), read("restart.jsonl"), read("window.jsonl")
cases = {
    "first_boot": ("first boot: activate + provision + REGISTER", first, "stdout status line"),
    "restart": ("restart, activated: REGISTER", restart, "stdout status line"),
    "windowed_restart": ("windowed restart (Xvfb)", window, "control API polled every 10 ms"),
}
result = {
    "benchmark": "terminal-start",
    "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "roomterm": version, "commit": commit, "binary_built": binary_built,  # mtime of roomterm
    "cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after,
    "idle_secs": float(idle),
    "start_to_registered": {}, "api_up": {}, "idle_memory": {},
    "windowed": window_note or "measured",
}
print()
print(f"terminal start -> SIP registered, ms ({runs} runs each; {os.cpu_count()} CPUs, "
      f"load {load_before} -> {load_after})")
print(f"{'case':<46} {'median':>7} {'p90':>7} {'min':>7} {'max':>7}   API up")
for key, (label, rows, method) in cases.items():
    s = stats(rows)
    if s is None:
        continue
    s["detected_by"] = method
    s["stopped_by"] = sorted({r.get("stopped_by", "-") for r in rows})
    result["start_to_registered"][key] = s
    up = stats(rows, "api_up_ms")
    if up:
        result["api_up"][key] = up
    print(f"{label:<46} {s['median_ms']:>7.1f} {s['p90_ms']:>7.1f} {s['min_ms']:>7.1f} {s['max_ms']:>7.1f}"
          + (f"   {up['median_ms']:>6.1f}" if up else "        -"))
print("(API up: median ms until the terminal printed its control API address)")
if window_note:
    print(f"windowed: {window_note}")
print()
if float(idle) > 0:
    print(f"idle memory on the home page, {float(idle):g} s after registering (MiB)")
    print(f"{'case':<46} {'VmRSS':>7} {'VmHWM':>7}  page")
else:
    print("idle memory: not measured (IDLE_SECS=0)")
for key, label, rows in (("headless_first_boot", "headless, after first boot", first),
                         ("headless_restart", "headless, after restart", restart),
                         ("windowed_restart", "windowed under Xvfb 1920x1080, after restart", window)):
    m = memory(rows)
    if m is None:
        continue
    result["idle_memory"][key] = m
    print(f"{label:<46} {m['vmrss_kib'] / 1024:>7.1f} {m['vmhwm_kib'] / 1024:>7.1f}  {m['page']}")
json.dump(result, open(out, "w"), indent=2)
print(f"\nwritten {out}")
PY
