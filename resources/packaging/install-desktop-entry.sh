#!/bin/sh
# Adds LossLab to the Linux desktop menu (for this user): run it from the unpacked bundle folder.
set -e
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
mkdir -p "$apps" "$icons"
cp "$here/losslab.svg" "$icons/losslab.svg"
sed "s|@LOSSLAB_DIR@|$here|g" "$here/losslab.desktop" > "$apps/losslab.desktop"
echo "LossLab added to the desktop menu ($apps/losslab.desktop)"
