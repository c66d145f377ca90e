SUMMARY = "U-Boot script for roomterm's A/B boot"
DESCRIPTION = "boot.scr choosing slot A or B with boot counting, as RAUC's \
               uboot backend expects (BOOT_ORDER, BOOT_A_LEFT, BOOT_B_LEFT)."
SECTION = "bootloaders"
LICENSE = "MIT"
# Only this layer's own file: the common MIT text.
# nooelint: oelint.var.licenseremotefile
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"

DEPENDS += "u-boot-mkimage-native"

SRC_URI = "file://boot.cmd"

S = "${WORKDIR}"

inherit deploy nopackages

do_compile() {
    mkimage -A ${UBOOT_ARCH} -T script -C none -n "roomterm A/B boot" -d ${S}/boot.cmd ${B}/boot.scr
}

do_deploy() {
    install -m 0644 ${B}/boot.scr ${DEPLOYDIR}/boot.scr
}

addtask deploy after do_compile before do_build
