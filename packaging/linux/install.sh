#!/bin/sh
# Install the Landscape bundle for the current user: the app in ~/.local/opt/landscape, a menu
# entry, icons, and the .landscape file type so a double-click opens it. No root needed.
#
#   ./install.sh                 (from inside the unpacked bundle)
#   packaging/linux/install.sh [BUNDLE_DIR]   (default: dist/landscape of this checkout)
#
# Where things go (override with the environment):
#   LANDSCAPE_HOME   the app folder      default ~/.local/opt/landscape
#   XDG_DATA_HOME    menu, icons, MIME   default ~/.local/share
#   LANDSCAPE_BIN    a `landscape` link  default ~/.local/bin (made only if nothing is there)
#   XDG_CONFIG_HOME  mimeapps.list       default ~/.config
#
# Everything this creates (files, folders, cache files, the default-application line) is listed
# in LANDSCAPE_HOME/install-manifest.txt, so uninstall.sh removes exactly that, whatever the
# environment is when it runs.
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

absolute() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PWD/$1" ;;
    esac
}
app_dir=$(absolute "${LANDSCAPE_HOME:-"$HOME/.local/opt/landscape"}")
data_dir=$(absolute "${XDG_DATA_HOME:-"$HOME/.local/share"}")
bin_dir=$(absolute "${LANDSCAPE_BIN:-"$HOME/.local/bin"}")
config_dir=$(absolute "${XDG_CONFIG_HOME:-"$HOME/.config"}")
mime_type=application/x-landscape-session
entry_name=landscape.desktop

newline='
'
for folder in "$app_dir" "$data_dir" "$bin_dir" "$config_dir"; do
    case $folder in
        *"$newline"*)
            echo "install.sh: the folder name '$folder' holds a line break" >&2
            exit 2 ;;
    esac
done
case $app_dir in
    *'"'* | *'`'* | *'$'* | *'\'* | *'%'* | *'|'* | *'&'*)
        echo "install.sh: the folder '$app_dir' has a character a desktop entry cannot hold" >&2
        exit 2 ;;
esac
# The copy below replaces app_dir whole: never do that to a folder that is not a Landscape bundle.
if [ -e "$app_dir" ] && [ "$src" != "$app_dir" ] \
    && { [ ! -x "$app_dir/landscape" ] || [ ! -d "$app_dir/_internal" ]; }; then
    echo "install.sh: '$app_dir' exists and is not a Landscape bundle; choose another LANDSCAPE_HOME" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest="$work/manifest"
# Installing over an earlier install keeps what that one created on the list.
if [ -f "$app_dir/install-manifest.txt" ]; then
    cp "$app_dir/install-manifest.txt" "$manifest"
else
    : >"$manifest"
fi

# One line per thing created: "KIND PATH".
record() {
    if ! grep -qxF "$1 $2" "$manifest"; then
        printf '%s %s\n' "$1" "$2" >>"$manifest"
    fi
}

# mkdir -p that records each folder it creates, outermost first.
make_dir() {
    missing=""
    folder=$1
    while [ ! -d "$folder" ]; do
        missing="$folder$newline$missing"
        folder=$(dirname "$folder")
    done
    mkdir -p "$1"
    printf '%s' "$missing" | while IFS= read -r created; do
        record dir "$created"
    done
}

copy_file() {  # SOURCE TARGET
    make_dir "$(dirname "$2")"
    cp "$1" "$2"
    record file "$2"
}

# The app: copy beside the old one, then swap, so a failed copy leaves the old one working.
record app "$app_dir"
if [ "$src" != "$app_dir" ]; then
    make_dir "$(dirname "$app_dir")"
    rm -rf "$app_dir.new"
    cp -R "$src" "$app_dir.new"
    rm -f "$app_dir.new/install-manifest.txt"  # a copy of an installed bundle brings its own
    rm -rf "$app_dir"
    mv "$app_dir.new" "$app_dir"
    record bundle "$app_dir"
fi
executable="$app_dir/landscape"

# Menu entry, pointing at this copy.
make_dir "$data_dir/applications"
sed "s|@EXEC@|$executable|g" "$app_dir/share/applications/$entry_name" \
    >"$data_dir/applications/$entry_name"
chmod 644 "$data_dir/applications/$entry_name"
record file "$data_dir/applications/$entry_name"

# Icons, every size, and the MIME type.
for icon in "$app_dir"/share/icons/hicolor/*/apps/landscape.*; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    copy_file "$icon" "$data_dir/icons/hicolor/$size/apps/$(basename "$icon")"
done
copy_file "$app_dir/share/mime/packages/landscape.xml" "$data_dir/mime/packages/landscape.xml"

# A `landscape` command for the terminal, unless one is there already (pip's, say).
make_dir "$bin_dir"
if [ ! -e "$bin_dir/landscape" ] || [ -L "$bin_dir/landscape" ]; then
    ln -sfn "$executable" "$bin_dir/landscape"
    record link "$bin_dir/landscape"
fi

# Refresh the desktop's caches when the tools are there (all optional), and record the cache
# files and folders each tool created, so that uninstall can take them away again.
snapshot() {
    find "$1" 2>/dev/null | LC_ALL=C sort
}
refresh() {  # FOLDER COMMAND...
    folder=$1
    shift
    record cache-folder "$folder"
    command -v "$1" >/dev/null 2>&1 || return 0
    snapshot "$folder" >"$work/before"
    "$@" >/dev/null 2>&1 || true
    snapshot "$folder" >"$work/after"
    LC_ALL=C comm -13 "$work/before" "$work/after" | while IFS= read -r created; do
        if [ -d "$created" ] && [ ! -L "$created" ]; then
            record dir "$created"
        else
            record cache "$created"
        fi
    done
}
refresh "$data_dir/mime" update-mime-database "$data_dir/mime"
refresh "$data_dir/applications" update-desktop-database -q "$data_dir/applications"
if [ -f "$data_dir/icons/hicolor/index.theme" ]; then
    refresh "$data_dir/icons/hicolor" gtk-update-icon-cache -q -t -f "$data_dir/icons/hicolor"
fi

# Landscape opens .landscape files by default (mimeapps.list, the freedesktop.org MIME
# Applications spec), unless the user already chose another application for them.
mimeapps="$config_dir/mimeapps.list"
current=""
if [ -f "$mimeapps" ]; then
    current=$(awk -v key="$mime_type" '
        /^\[/ { group = $0; next }
        group == "[Default Applications]" && index($0, key "=") == 1 {
            print substr($0, length(key) + 2); exit
        }' "$mimeapps")
fi
if [ -z "$current" ]; then
    if [ ! -e "$mimeapps" ]; then
        make_dir "$config_dir"
        : >"$mimeapps"
        record default-file "$mimeapps"
    fi
    if ! grep -qxF "[Default Applications]" "$mimeapps"; then
        record default-group "$mimeapps"
    fi
    # Our line goes right under the group's header, so uninstall finds it exactly.
    awk -v line="$mime_type=$entry_name" '
        { print }
        $0 == "[Default Applications]" && !done { print line; done = 1 }
        END { if (!done) { print "[Default Applications]"; print line } }' \
        "$mimeapps" >"$work/mimeapps"
    cat "$work/mimeapps" >"$mimeapps"
    record default "$mimeapps"
fi

cp "$manifest" "$app_dir/install-manifest.txt"
echo "Landscape installed in $app_dir"
echo "  menu entry: $data_dir/applications/$entry_name"
echo "  .landscape files now open in Landscape; remove it all with: $app_dir/uninstall.sh"
