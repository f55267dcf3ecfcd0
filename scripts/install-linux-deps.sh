#!/usr/bin/env bash
# Debian/Ubuntu packages Qt 6 and OpenGL need on a headless or fresh Linux machine:
# the X libraries Qt's xcb platform loads, Mesa's software OpenGL, and Xvfb to run without a screen.
# binutils: PyInstaller needs objdump (and strip) to build the frozen app on Linux.
# Idempotent: apt-get skips what is already installed.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  xvfb xauth x11-utils binutils \
  libgl1 libegl1 libopengl0 libgl1-mesa-dri libglx-mesa0 \
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
  libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 \
  libxrender1 libxi6 libsm6 libice6 \
  libfontconfig1 libfreetype6 fonts-dejavu-core libdbus-1-3 libglib2.0-0 >/dev/null
