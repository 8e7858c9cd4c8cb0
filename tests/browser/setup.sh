#!/bin/sh
# What the browser tests need on a fresh machine: Debian's chromium (Playwright drives it; its own
# browser download cannot reach the internet here), a CJK font, or Japanese renders as empty boxes,
# and the colour emoji font people use in chat.
# tests/run.py calls this before the run that includes the browser tests.
set -eu

has_font() {
  fc-list 2>/dev/null | grep -qi "$1"
}

if [ -x /usr/bin/chromium ] && has_font "Noto Sans CJK" && has_font "Noto Color Emoji"; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  SUDO="sudo -n"
fi
echo "installing chromium and fonts for the browser tests" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium fonts-noto-cjk fonts-noto-color-emoji
