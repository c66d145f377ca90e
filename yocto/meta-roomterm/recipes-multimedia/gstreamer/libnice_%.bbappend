# Casting (roomterm distribution only): webrtcbin's ICE agent is libnice's GStreamer plugin.
PACKAGECONFIG:append:roomterm = " gstreamer"
