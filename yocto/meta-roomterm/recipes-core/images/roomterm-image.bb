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
    systemd-conf \
    tzdata \
"

# The slots are 2 GiB: fail the build rather than an update later.
IMAGE_ROOTFS_MAXSIZE = "2097152"

# The A/B disk (wic/roomterm-ab.wks.in), with its block map for bmaptool.
WKS_FILE = "roomterm-ab.wks.in"
IMAGE_FSTYPES += "ext4 wic wic.bmap"
