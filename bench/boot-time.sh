#!/usr/bin/env bash
# Boot time of the appliance images: power-on to "SIP registered" in the
# cloud's device list, each image booted in QEMU under software emulation
# (TCG) with a seeded activation code and user-mode networking to a cloud
# on this machine — the boot tests in tests/integration/image_boot.rs, the
# arm64 one included (ignored in ./run test: it emulates another
# architecture). A benchmark, not a test: it prints a table and writes
# bench/out/boot-time.json; speed is asserted nowhere.
#
# Under TCG every instruction is emulated (amd64 on amd64 still is: this
# machine's KVM cannot run the firmware); a board or a KVM host boots several
# times faster. The arm64 figure is the ratio to watch between releases.
#
# Besides the total, the table shows when each milestone of the boot
# showed on the serial console (the boot test follows them): a release
# that slows the firmware, the kernel or systemd shows where.
#
# Usage: bench/boot-time.sh [TARGET...]   (default: qemu-amd64 qemu-arm64)
#        BOOT_BUILD=0 boots the images already in target/image/ as they are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=("$@")
((${#targets[@]})) || targets=(qemu-amd64 qemu-arm64)
mkdir -p bench/out
if [[ ${BOOT_BUILD:-1} == 1 ]]; then
  for target in "${targets[@]}"; do ./run image "$target"; done
fi
log=$(mktemp /tmp/roomterm-boot.XXXXXX)
trap 'rm -f "$log"' EXIT
filters=()
for target in "${targets[@]}"; do
  case $target in
    qemu-amd64) filters+=(image_boot::the_image_boots_in_qemu_activates_and_registers) ;;
    qemu-arm64) filters+=(image_boot::the_arm64_image_boots_in_qemu_activates_and_registers) ;;
    *) echo "no boot test for $target" >&2; exit 2 ;;
  esac
done
cargo test --locked -p roomterm --test integration -- --include-ignored --nocapture \
  --test-threads=1 --exact "${filters[@]}" 2>&1 | tee "$log"

python3 - "$log" bench/out/boot-time.json <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
boots, stages, seen = {}, {}, {}
# The test prints each milestone of the boot as it is reached, then the total.
for line in text.splitlines():
    if line.startswith("test image_boot::"):
        seen = {}
    elif m := re.match(r"^\s+([\d.]+) s after power-on  (.+)$", line):
        seen.setdefault(m[2], float(m[1]))
    elif m := re.match(r"^(\S+) image: power-on to SIP registered in ([\d.]+) s", line):
        boots[m[1]] = float(m[2])
        stages[m[1]] = seen
        seen = {}
data = {m[0]: float(m[1]) for m in re.findall(r"^(\S+): data partition grown to ([\d.]+) GB", text, re.M)}
columns = ["firmware", "boot loader", "kernel", "roomterm started"]
print()
print(f"{'image':<12}" + "".join(f"{c:>18}" for c in columns) + f" {'SIP registered':>16} {'data partition':>15}")
for target, secs in boots.items():
    cells = "".join(f"{stages[target].get(c, float('nan')):>16.1f} s" for c in columns)
    print(f"{target:<12}{cells} {secs:>14.1f} s {data.get(target, 0):>12.2f} GB")
print("(seconds after power-on, software emulation)")
if "qemu-amd64" in boots and "qemu-arm64" in boots:
    print(f"arm64 / amd64 under TCG: {boots['qemu-arm64'] / boots['qemu-amd64']:.1f}×")
json.dump({"boot_to_registered_s": boots, "milestones_s": stages, "data_partition_gb": data},
          open(sys.argv[2], "w"), indent=2)
if not boots:
    sys.exit("no boot finished")
PY
