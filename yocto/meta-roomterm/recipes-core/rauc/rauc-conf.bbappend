# The terminal's RAUC configuration (roomterm distribution only): two root
# slots, U-Boot boot counting on the boards (roomterm-boot-script), the
# keyring of the release CA.
FILESEXTRAPATHS:prepend:roomterm := "${THISDIR}/files:"

SRC_URI:append:roomterm = " file://system.conf"

RAUC_KEYRING_FILE:roomterm ?= "ca.cert.pem"

do_install:append:roomterm() {
    sed -i "s/@MACHINE@/${MACHINE}/" ${D}${sysconfdir}/rauc/system.conf
}
