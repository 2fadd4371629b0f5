#!/usr/bin/env bash
# Look at the installed application as a user would: the .deb unpacked into a scratch root,
# its launcher started in a virtual X display (Xvfb, the real xcb platform) on a demo desk, a
# demo agent signed in by typing (xdotool), and a screenshot of the screen saved as PNG.
#
#     bash scripts/look_installed.sh DEB [OUT.png]
#
# Needs xvfb, xauth and xdotool (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
DEB=$(realpath "$1")
OUT=$(realpath -m "${2:-/tmp/incidentdesk-installed.png}")
WORK=$(mktemp -d /tmp/incidentdesk-look-XXXXXX)
trap 'kill $APP $XVFB 2>/dev/null || true; rm -rf "$WORK"' EXIT
NAME=$(dpkg-deb --field "$DEB" Package)
dpkg-deb -x "$DEB" "$WORK/root"
sed "s#/opt/#$WORK/root/opt/#" "$WORK/root/usr/bin/$NAME" > "$WORK/launcher" && chmod +x "$WORK/launcher"
DB="sqlite:///$WORK/desk.sqlite3"
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
"$WORK/launcher" --db "$DB" db upgrade >/dev/null
"$WORK/launcher" --db "$DB" demo --incidents 300 >/dev/null 2>&1
DISPLAY_NUM=:97
Xvfb "$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
sleep 1
export DISPLAY=$DISPLAY_NUM
unset QT_QPA_PLATFORM
"$WORK/launcher" --db "$DB" >"$WORK/app.log" 2>&1 &
APP=$!
for _ in $(seq 60); do
    xdotool search --name "Sign in to Incident Desk" >/dev/null 2>&1 && break
    sleep 0.5
done
sleep 1
xdotool type --delay 20 "ana.garcia"
xdotool key Tab
xdotool type --delay 20 "demo-pass"
xdotool key Return
for _ in $(seq 60); do
    xdotool search --name "Incident Desk —" >/dev/null 2>&1 && break
    sleep 0.5
done
sleep 4  # the queue's first page and counts
QT_QPA_PLATFORM=xcb .venv/bin/python - "$OUT" <<'PY'
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1])
PY
echo "$OUT"
cat "$WORK/app.log" | grep -v "^$" | head -5 || true
