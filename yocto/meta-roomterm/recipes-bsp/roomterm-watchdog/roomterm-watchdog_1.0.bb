SUMMARY = "Hardware watchdog settings of the roomterm image"
DESCRIPTION = "systemd feeds the board's hardware watchdog (RuntimeWatchdogSec) \
               and arms it for reboots (RebootWatchdogSec), within what the \
               board's watchdog can count."
SECTION = "base"
LICENSE = "MIT"
# Only this layer's own file: the common MIT text.
# nooelint: oelint.var.licenseremotefile
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"

SRC_URI = "file://watchdog.conf.in"

S = "${WORKDIR}"

# The values depend on the board's watchdog.
PACKAGE_ARCH = "${MACHINE_ARCH}"

# A timeout longer than the watchdog can count is refused by the kernel,
# and systemd then leaves the watchdog off: the Raspberry Pi's (bcm2835)
# counts at most 15 s. The dw-wdt of Rockchip SoCs and a PC's iTCO take
# longer ones.
ROOMTERM_WATCHDOG_SEC ?= "30s"
ROOMTERM_WATCHDOG_SEC:rpi = "14s"
ROOMTERM_REBOOT_WATCHDOG_SEC ?= "2min"
ROOMTERM_REBOOT_WATCHDOG_SEC:rpi = "14s"

do_install() {
    install -d ${D}${systemd_unitdir}/system.conf.d
    sed -e 's/@RUNTIME@/${ROOMTERM_WATCHDOG_SEC}/' -e 's/@REBOOT@/${ROOMTERM_REBOOT_WATCHDOG_SEC}/' \
        ${S}/watchdog.conf.in >${D}${systemd_unitdir}/system.conf.d/50-roomterm-watchdog.conf
}

FILES:${PN} += "${systemd_unitdir}/system.conf.d"
