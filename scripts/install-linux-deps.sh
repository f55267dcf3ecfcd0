#!/usr/bin/env bash
# Debian/Ubuntu packages a fresh machine needs to run and test Landscape:
# - python3-venv: the README's commands make a virtual environment (PEP 668 forbids pip into the
#   system Python on Debian 12 and Ubuntu 23.04+);
# - libpythonX.Y (the shared libpython of the python3 in use): PyInstaller needs it to freeze
#   the app, and Debian keeps it out of the python3 package;
# - the X libraries Qt's xcb platform loads, Mesa's software OpenGL (GLX and EGL), fonts;
# - Xvfb to test without a screen, weston to test under Wayland; desktop-file-utils, gio
#   (libglib2.0-bin) and shared-mime-info to validate, launch and register the desktop entry;
#   binutils: PyInstaller needs objdump (and strip) on Linux.
# Works as root or as a user with sudo. Idempotent: apt-get skips what is already installed.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
packages=(
  python3-venv binutils
  xvfb xauth x11-utils weston desktop-file-utils libglib2.0-bin shared-mime-info
  libgl1 libegl1 libopengl0 libgl1-mesa-dri libglx-mesa0 libegl-mesa0 libgbm1
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  libwayland-client0 libwayland-cursor0 libwayland-egl1
  libxrender1 libxi6 libsm6 libice6
  libfontconfig1 libfreetype6 fonts-dejavu-core libdbus-1-3 libglib2.0-0
)
# The shared libpython of whichever python3 runs the tests (a no-op for pyenv or python.org
# builds, which ship their own; Debian's system Python needs the package).
if command -v python3 >/dev/null; then
  libpython="lib$(python3 -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")')"
  if apt-cache show "$libpython" >/dev/null 2>&1; then packages+=("$libpython"); fi
fi
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
