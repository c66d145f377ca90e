#!/usr/bin/env bash
# Makes the prompts the focus plays in its waiting rooms: to callers who dial a
# meeting without its password, and to callers the host has not let in yet
# (Chinese, then English): espeak-ng speaks,
# GStreamer encodes Ogg Opus, mono, 24 kbit/s. The .ogg files are committed;
# run this again after changing a text.
#
# Needs: espeak-ng, gstreamer1.0-tools, gstreamer1.0-plugins-{base,good}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

prompt() { # name, Chinese text, English text
  espeak-ng -v cmn -s 150 -w "$work/zh.wav" "$2"
  espeak-ng -v en-us -s 150 -w "$work/en.wav" "$3"
  for part in zh en; do
    gst-launch-1.0 -q filesrc location="$work/$part.wav" ! wavparse ! audioconvert ! audioresample \
      ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location="$work/$part.raw"
  done
  # Half a second of silence between the languages.
  head -c 48000 /dev/zero > "$work/gap.raw"
  cat "$work/zh.raw" "$work/gap.raw" "$work/en.raw" > "$work/all.raw"
  gst-launch-1.0 -q filesrc location="$work/all.raw" \
    ! rawaudioparse format=pcm pcm-format=s16le sample-rate=48000 num-channels=1 \
    ! audioconvert ! opusenc bitrate=24000 ! oggmux ! filesink location="$1.ogg"
}

prompt password "请输入会议密码，并以井号键结束。" "Please enter the meeting password, followed by the pound key."
prompt wrong "密码错误，请重新输入。" "That password is not correct. Please try again."
prompt goodbye "密码错误次数过多，再见。" "Too many wrong passwords. Goodbye."
prompt hold "请稍候，主持人将允许您入会。" "Please wait. The host will let you in shortly."
prompt denied "主持人未允许您入会，再见。" "The host did not let you in. Goodbye."
