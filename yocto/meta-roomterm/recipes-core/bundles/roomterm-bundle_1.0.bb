# The bundle class takes its content from the image: no sources of its own
# (yocto/check lints this recipe without the SRC_URI rule).
SUMMARY = "roomterm update bundle"
DESCRIPTION = "A signed RAUC bundle of roomterm-image, for the cloud to \
               offer to terminals (roomcloud device update)."
SECTION = "images"
LICENSE = "MIT"

inherit bundle

RAUC_BUNDLE_COMPATIBLE = "roomterm-${MACHINE}"
RAUC_BUNDLE_VERSION = "${DISTRO_VERSION}"
RAUC_BUNDLE_FORMAT = "verity"
RAUC_BUNDLE_SLOTS = "rootfs"
RAUC_SLOT_rootfs = "roomterm-image"

# Release keys come from the build's configuration (never from this layer):
# RAUC_KEY_FILE and RAUC_CERT_FILE in local.conf or the kas file.
