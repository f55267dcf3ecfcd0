#!/bin/sh
# Remove what install.sh put in place: exactly what its install-manifest.txt (next to this
# script) lists, wherever LANDSCAPE_HOME, XDG_DATA_HOME, LANDSCAPE_BIN and XDG_CONFIG_HOME
# pointed at install time. Settings and your .landscape files are left alone.
#
#   ~/.local/opt/landscape/uninstall.sh    (or wherever LANDSCAPE_HOME was)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/install-manifest.txt" ]; then
    echo "uninstall.sh: $here has no install-manifest.txt, so install.sh did not install it here;" \
        "nothing was removed" >&2
    exit 2
fi
mime_type=application/x-landscape-session
entry_name=landscape.desktop

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The manifest lives inside the bundle, which goes last: read it all first.
cp "$here/install-manifest.txt" "$work/manifest"
entries() {  # KIND: the paths recorded with that kind, in the order they were recorded
    awk -v kind="$1" 'index($0, kind " ") == 1 { print substr($0, length(kind) + 2) }' \
        "$work/manifest"
}
recorded() {  # KIND PATH
    grep -qxF "$1 $2" "$work/manifest"
}
app_dir=$(entries app | head -n 1)
app_dir=${app_dir:-$here}

# The `landscape` command, only while it is still our link (a later pip install may own it).
entries link | while IFS= read -r link; do
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$app_dir/landscape" ]; then
        rm -f "$link"
    fi
done

# The default-application line, only while it still names Landscape; then the group header
# and the file, if install.sh added them and nothing else has been put there since.
entries default | while IFS= read -r mimeapps; do
    [ -f "$mimeapps" ] || continue
    awk -v key="$mime_type" -v entry="$entry_name" '
        /^\[/ { group = $0 }
        group == "[Default Applications]" \
            && ($0 == key "=" entry || $0 == key "=" entry ";") { next }
        { print }' "$mimeapps" >"$work/mimeapps"
    if recorded default-group "$mimeapps"; then
        # Drop a [Default Applications] header with no lines under it.
        awk '
            pending && !/^\[/ { print "[Default Applications]" }
            { pending = 0 }
            $0 == "[Default Applications]" { pending = 1; next }
            { print }' "$work/mimeapps" >"$work/mimeapps.trimmed"
        mv "$work/mimeapps.trimmed" "$work/mimeapps"
    fi
    cat "$work/mimeapps" >"$mimeapps"
    if recorded default-file "$mimeapps" && [ ! -s "$mimeapps" ]; then
        rm -f "$mimeapps"
    fi
done

# Menu entry, icons, MIME type.
entries file | while IFS= read -r file; do
    rm -f "$file"
done

# Caches: refresh each one, so it forgets Landscape; one that install.sh created goes again
# when nothing else is left for it to index.
entries cache-folder | while IFS= read -r folder; do
    [ -d "$folder" ] || continue
    case $folder in
        */mime)
            sources=$(find "$folder/packages" -type f 2>/dev/null | head -n 1)
            set -- update-mime-database "$folder" ;;
        */applications)
            sources=$(find "$folder" -name '*.desktop' 2>/dev/null | head -n 1)
            set -- update-desktop-database -q "$folder" ;;
        */icons/hicolor)
            sources=$(find "$folder" -path '*/apps/*' -type f 2>/dev/null | head -n 1)
            set -- gtk-update-icon-cache -q -t -f "$folder" ;;
        *) continue ;;
    esac
    if command -v "$1" >/dev/null 2>&1; then
        "$@" >/dev/null 2>&1 || true
    fi
    if [ -z "$sources" ]; then
        entries cache | while IFS= read -r cache; do
            case $cache in
                "$folder"/*) rm -f "$cache" ;;
            esac
        done
    fi
done

# The bundle: last but for the folders, because this script may be running from inside it.
entries bundle | while IFS= read -r bundle; do
    if [ -x "$bundle/landscape" ] && [ -d "$bundle/_internal" ]; then
        rm -rf "$bundle"
    elif [ -e "$bundle" ]; then
        echo "uninstall.sh: left $bundle in place (it does not look like a Landscape bundle)" >&2
    fi
done
rm -f "$here/install-manifest.txt"

# Folders install.sh created, innermost first, if they are empty now.
entries dir | LC_ALL=C sort -r | while IFS= read -r folder; do
    rmdir "$folder" 2>/dev/null || true
done
echo "Landscape removed"
