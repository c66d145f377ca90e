# U-Boot's environment as RAUC reads and writes it (fw_printenv and
# fw_setenv, roomterm distribution only).
FILESEXTRAPATHS:prepend:roomterm := "${THISDIR}/files:"

SRC_URI:append:roomterm = " file://fw_env.config"
