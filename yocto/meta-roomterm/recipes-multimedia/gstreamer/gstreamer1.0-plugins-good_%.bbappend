# Casting (roomterm distribution only): VP8 screens decode with libvpx (vp8dec)
# where the board has no VP8 hardware.
PACKAGECONFIG:append:roomterm = " vpx"
