SUMMARY = "roomterm meeting-room terminal"
DESCRIPTION = "The room terminal of roomterm: SIP to the bundled cloud, \
               GStreamer call media with the board's hardware codecs, a \
               Slint touch UI, IR remote input, a control API, and RAUC \
               updates."
SECTION = "multimedia"
CVE_PRODUCT = "roomterm"
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=8;endline=8;md5=2507bd5f0713f05419cd2f22fa06fe62"

# libinput and udev: Slint's LinuxKMS backend reads the touch panel and
# keyboards (the screen itself is DRM, in the kernel). Casting links
# libgstwebrtc (plugins-bad, with its webrtc PACKAGECONFIG: the bbappend).
DEPENDS += "fontconfig gstreamer1.0 gstreamer1.0-plugins-bad gstreamer1.0-plugins-base libinput libxkbcommon udev"

PV = "0.1.0+git"

# The layer sits in the roomterm repository (ROOMTERM_REPO, layer.conf):
# the recipe builds the commit checked out there, whichever it is.
SRC_URI = "git://${ROOMTERM_REPO};protocol=file;branch=main"
# nooelint: oelint.vars.autorev
SRCREV = "${AUTOREV}"

S = "${WORKDIR}/git"

require roomterm-crates.inc

inherit cargo cargo-update-recipe-crates pkgconfig systemd

# The terminal only, not the cloud of the same workspace.
CARGO_BUILD_FLAGS:append = " --package roomterm --bin roomterm"

SYSTEMD_SERVICE:${PN} = "roomterm.service roomterm-update-check.service"
SYSTEMD_AUTO_ENABLE = "enable"

do_install:append() {
    install -d ${D}${systemd_system_unitdir} ${D}${libdir}/roomterm ${D}${datadir}/roomterm/board
    install -m 0644 ${S}/image/rootfs/etc/systemd/system/roomterm.service ${D}${systemd_system_unitdir}/
    install -m 0644 ${S}/image/rootfs/etc/systemd/system/roomterm-update-check.service ${D}${systemd_system_unitdir}/
    install -m 0755 ${S}/image/rootfs/usr/lib/roomterm/update-check ${D}${libdir}/roomterm/
    install -m 0644 ${S}/board/*.toml ${D}${datadir}/roomterm/board/
    install -d ${D}${sysconfdir}/default ${D}${sysconfdir}/tmpfiles.d ${D}${sysconfdir}/udev/rules.d
    printf 'ROOMTERM_ARGS=""\nUPDATE_HEALTH_TIMEOUT=300\n' > ${D}${sysconfdir}/default/roomterm
    install -m 0644 ${S}/image/rootfs/etc/tmpfiles.d/roomterm.conf ${D}${sysconfdir}/tmpfiles.d/
    install -m 0644 ${S}/board/udev/*.rules ${D}${sysconfdir}/udev/rules.d/
    printf 'IMAGE_ID=roomterm\nIMAGE_VERSION=%s\nIMAGE_TARGET=%s\n' "${PV}" "${MACHINE}" > ${D}${libdir}/roomterm/image-release
    # The data partition grows to the end of the disk at boot, as on the
    # Debian image (systemd-repart before /data mounts).
    install -d ${D}${nonarch_libdir}/repart.d ${D}${systemd_system_unitdir}/systemd-repart.service.d \
        ${D}${systemd_system_unitdir}/sysinit.target.wants
    install -m 0644 ${S}/image/rootfs/usr/lib/repart.d/50-data.conf ${D}${nonarch_libdir}/repart.d/
    install -m 0644 ${S}/image/rootfs/etc/systemd/system/systemd-repart.service.d/roomterm.conf \
        ${D}${systemd_system_unitdir}/systemd-repart.service.d/
    ln -sf ../systemd-repart.service ${D}${systemd_system_unitdir}/sysinit.target.wants/systemd-repart.service
}

FILES:${PN} += "\
    ${nonarch_libdir}/repart.d \
    ${systemd_system_unitdir}/systemd-repart.service.d \
    ${systemd_system_unitdir}/sysinit.target.wants \
"

RDEPENDS:${PN} += "\
    gstreamer1.0-libav \
    gstreamer1.0-plugins-bad \
    gstreamer1.0-plugins-base \
    gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-ugly \
    libnice \
    rauc \
    systemd \
    xkeyboard-config \
"
