# roomterm A/B boot for U-Boot (RAUC's uboot backend): each boot of a slot
# takes one of its tries; the running system gives them back once healthy
# (rauc status mark-good). A slot with no tries left is skipped.
test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3

setenv bootpart
setenv raucslot
for BOOT_SLOT in "${BOOT_ORDER}"; do
  if test "x${bootpart}" != "x"; then
    # a slot was chosen already
  elif test "x${BOOT_SLOT}" = "xA"; then
    if test ${BOOT_A_LEFT} -gt 0; then
      setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
      setenv bootpart 2
      setenv raucslot A
    fi
  elif test "x${BOOT_SLOT}" = "xB"; then
    if test ${BOOT_B_LEFT} -gt 0; then
      setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
      setenv bootpart 3
      setenv raucslot B
    fi
  fi
done

if test -n "${bootpart}"; then
  # The watchdog U-Boot started stays armed into Linux: the kernel feeds
  # it until systemd opens it, for 120 s at most (a root file system that
  # never comes, rootwait, ends in a reset and the next try).
  setenv bootargs "${bootargs} root=PARTLABEL=rootfs_${raucslot} ro rootwait rauc.slot=${raucslot} watchdog.open_timeout=120"
  saveenv
else
  echo "roomterm: no slot has tries left; resetting the counters"
  setenv BOOT_A_LEFT 3
  setenv BOOT_B_LEFT 3
  saveenv
  reset
fi
