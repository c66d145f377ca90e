# Casting (webrtcbin; roomterm distribution only): WebRTC and DTLS-SRTP.
PACKAGECONFIG:append:roomterm = " dtls srtp webrtc"
