#!/bin/sh
# Remove what install.sh put in place (same environment overrides). Settings and your
# .landscape files are left alone.
set -eu

app_dir=${LANDSCAPE_HOME:-"$HOME/.local/opt/landscape"}
data_dir=${XDG_DATA_HOME:-"$HOME/.local/share"}
bin_dir=${LANDSCAPE_BIN:-"$HOME/.local/bin"}

# Only our own link: a `landscape` that pip installed stays.
if [ -L "$bin_dir/landscape" ] && [ "$(readlink "$bin_dir/landscape")" = "$app_dir/landscape" ]; then
    rm -f "$bin_dir/landscape"
fi
rm -f "$data_dir/applications/landscape.desktop"
rm -f "$data_dir/mime/packages/landscape.xml"
rm -f "$data_dir"/icons/hicolor/*/apps/landscape.png "$data_dir"/icons/hicolor/*/apps/landscape.svg

if command -v update-mime-database >/dev/null 2>&1 && [ -d "$data_dir/mime" ]; then
    update-mime-database "$data_dir/mime" >/dev/null 2>&1 || true
fi
if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$data_dir/applications" ]; then
    update-desktop-database -q "$data_dir/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data_dir/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$data_dir/icons/hicolor" >/dev/null 2>&1 || true
fi

# Last, because this script may be running from inside it; and only if it is our bundle.
if [ -x "$app_dir/landscape" ] && [ -d "$app_dir/_internal" ]; then
    rm -rf "$app_dir"
elif [ -e "$app_dir" ]; then
    echo "uninstall.sh: left $app_dir in place (it does not look like a Landscape bundle)" >&2
fi
echo "Landscape removed"
