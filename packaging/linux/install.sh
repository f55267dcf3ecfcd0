#!/bin/sh
# Install the Landscape bundle for the current user: the app in ~/.local/opt/landscape, a menu
# entry, icons, and the .landscape file type so a double-click opens it. No root needed.
#
#   ./install.sh                 (from inside the unpacked bundle)
#   packaging/linux/install.sh [BUNDLE_DIR]   (default: dist/landscape of this checkout)
#
# Where things go (override with the environment):
#   LANDSCAPE_HOME  the app folder      default ~/.local/opt/landscape
#   XDG_DATA_HOME   menu, icons, MIME   default ~/.local/share
#   LANDSCAPE_BIN   a `landscape` link  default ~/.local/bin (made only if nothing is there)
# Remove it all again with uninstall.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
    src=$1
elif [ -x "$here/landscape" ] && [ -d "$here/_internal" ]; then
    src=$here
else
    src="$here/../../dist/landscape"
fi
if [ ! -x "$src/landscape" ] || [ ! -d "$src/_internal" ] || [ ! -d "$src/share" ]; then
    echo "install.sh: no Landscape bundle in '$src' (build one with: python packaging/build.py)" >&2
    exit 2
fi
src=$(cd "$src" && pwd)

app_dir=${LANDSCAPE_HOME:-"$HOME/.local/opt/landscape"}
data_dir=${XDG_DATA_HOME:-"$HOME/.local/share"}
bin_dir=${LANDSCAPE_BIN:-"$HOME/.local/bin"}
case $app_dir in
    *'"'* | *'`'* | *'$'* | *'\'* | *'%'* | *'|'* | *'&'*)
        echo "install.sh: the folder '$app_dir' has a character a desktop entry cannot hold" >&2
        exit 2 ;;
esac

# The app: copy beside the old one, then swap, so a failed copy leaves the old one working.
if [ "$src" != "$app_dir" ]; then
    mkdir -p "$(dirname "$app_dir")"
    rm -rf "$app_dir.new"
    cp -R "$src" "$app_dir.new"
    rm -rf "$app_dir"
    mv "$app_dir.new" "$app_dir"
fi
executable="$app_dir/landscape"

# Menu entry, pointing at this copy.
mkdir -p "$data_dir/applications"
sed "s|@EXEC@|$executable|g" "$app_dir/share/applications/landscape.desktop" \
    > "$data_dir/applications/landscape.desktop"
chmod 644 "$data_dir/applications/landscape.desktop"

# Icons, every size, and the MIME type.
for icon in "$app_dir"/share/icons/hicolor/*/apps/landscape.*; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    mkdir -p "$data_dir/icons/hicolor/$size/apps"
    cp "$icon" "$data_dir/icons/hicolor/$size/apps/"
done
mkdir -p "$data_dir/mime/packages"
cp "$app_dir/share/mime/packages/landscape.xml" "$data_dir/mime/packages/landscape.xml"

# A `landscape` command for the terminal, unless one is there already (pip's, say).
mkdir -p "$bin_dir"
if [ ! -e "$bin_dir/landscape" ] || [ -L "$bin_dir/landscape" ]; then
    ln -sfn "$executable" "$bin_dir/landscape"
fi

# Refresh the desktop's caches when the tools are there; all are optional.
if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database "$data_dir/mime" >/dev/null 2>&1 || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_dir/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data_dir/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$data_dir/icons/hicolor" >/dev/null 2>&1 || true
fi
if command -v xdg-mime >/dev/null 2>&1; then
    xdg-mime default landscape.desktop application/x-landscape-session >/dev/null 2>&1 || true
fi

echo "Landscape installed in $app_dir"
echo "  menu entry: $data_dir/applications/landscape.desktop"
echo "  .landscape files now open in Landscape; remove it all with: $app_dir/uninstall.sh"
