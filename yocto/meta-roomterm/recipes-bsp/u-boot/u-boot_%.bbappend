# The board's hardware watchdog started by U-Boot and handed on running to
# Linux (roomterm distribution only): an update reboot that stops in the
# boot loader or early in the kernel resets the board instead of leaving a
# dead room, and the boot counting of boot.scr then falls back to the
# other slot. Config fragments, merged into the machine's defconfig.
FILESEXTRAPATHS:prepend:roomterm := "${THISDIR}/files:"

SRC_URI:append:roomterm:rk3588s = " file://watchdog-rk3588.cfg"
SRC_URI:append:roomterm:rpi = " file://watchdog-rpi.cfg"
