SUMMARY = "roomterm appliance image"
DESCRIPTION = "A read-only root file system with the roomterm terminal, \
               updated as a whole by RAUC into the slot not running."
SECTION = "images"
LICENSE = "MIT"

IMAGE_FEATURES += "read-only-rootfs"

inherit core-image

IMAGE_INSTALL:append = " \
    ca-certificates \
    kernel-modules \
    rauc \
    roomterm \
    roomterm-watchdog \
    systemd-conf \
    tzdata \
"

# The screen is the terminal's (Slint over DRM): no login prompt on it,
# nor on other virtual terminals; the serial console keeps its getty.
ROOTFS_POSTPROCESS_COMMAND:append = " roomterm_screen_to_terminal;"
roomterm_screen_to_terminal[doc] = "Masks the gettys of the virtual terminals: the display shows the terminal's pages"
roomterm_screen_to_terminal() {
    install -d ${IMAGE_ROOTFS}${sysconfdir}/systemd/system
    ln -sf /dev/null ${IMAGE_ROOTFS}${sysconfdir}/systemd/system/getty@tty1.service
    ln -sf /dev/null ${IMAGE_ROOTFS}${sysconfdir}/systemd/system/autovt@.service
}

# The slots are 2 GiB: fail the build rather than an update later.
IMAGE_ROOTFS_MAXSIZE = "2097152"

# The A/B disk (wic/roomterm-ab.wks.in), with its block map for bmaptool.
WKS_FILE = "roomterm-ab.wks.in"
IMAGE_FSTYPES += "ext4 wic wic.bmap"
