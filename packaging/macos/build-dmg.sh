#!/usr/bin/env bash
# Incident Desk for macOS: the PyInstaller .app, then a .dmg to drag it to Applications.
#
#     bash packaging/macos/build-dmg.sh [VERSION] [SITE_INI]
#
# Run on a Mac from the source tree, after `pip install -e '.[package]'` (Python 3.11+).
# SITE_INI (optional) is the file `incidentdesk package` writes on Linux: a [database] url
# WITHOUT password and the [site]; it goes next to the executable inside the .app
# (Contents/MacOS/incidentdesk-site.ini), else the first start asks (connection wizard).
# The users' settings live in ~/Library/Application Support/IncidentDesk: dragging a newer
# .app over the old one keeps them. Unsigned: sign and notarise it with your Apple
# Developer ID (codesign, notarytool) before handing it out, else Gatekeeper blocks it.
# Output: build/installers/IncidentDesk-VERSION.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:-0.1.0}
SITE_INI=${2:-}
PY=${PYTHON:-.venv/bin/python}

# the icon: rendered from the SVG by Qt (packaging/make_icons.py), made an .icns by sips/iconutil
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py
set_dir=build/icons/incidentdesk.iconset
rm -rf "$set_dir" && mkdir -p "$set_dir"
for size in 16 32 128 256 512; do
    sips -z $size $size build/icons/incidentdesk-1024.png --out "$set_dir/icon_${size}x${size}.png" >/dev/null
    sips -z $((size * 2)) $((size * 2)) build/icons/incidentdesk-1024.png --out "$set_dir/icon_${size}x${size}@2x.png" >/dev/null
done
iconutil -c icns "$set_dir" -o build/icons/incidentdesk.icns

INCIDENTDESK_VERSION=$VERSION "$PY" -m PyInstaller --noconfirm --distpath build/dist \
    --workpath build/work packaging/incidentdesk.spec
APP="build/dist/Incident Desk.app"
if [ -n "$SITE_INI" ]; then
    cp "$SITE_INI" "$APP/Contents/MacOS/incidentdesk-site.ini"
fi
"$APP/Contents/MacOS/incidentdesk" --self-test

STAGE=build/dmg
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="build/installers/IncidentDesk-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "Incident Desk $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "$DMG"
