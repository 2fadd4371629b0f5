#!/usr/bin/env bash
# Sets up a development environment from a fresh clone: the Debian libraries Qt
# needs (only those missing), a virtual environment, the project and its tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

# offscreen needs the first line; a real X11 window the second
qt_libs="libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 fonts-dejavu-core
 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0"
# the real clients the intake tests run against: Alertmanager (alerts over HTTP), swaks (mail)
client_tools="prometheus-alertmanager swaks"
# the review's PDF export is opened and its pages counted (pdfinfo, pdftoppm)
client_tools="$client_tools poppler-utils"
# make package: PyInstaller strips the bundle's libraries (binutils), dpkg-deb builds the .deb;
# the installed application is looked at in a virtual X display (xvfb-run, xauth; xdotool types)
client_tools="$client_tools binutils xvfb xauth xdotool"
missing=""
if command -v dpkg >/dev/null 2>&1; then
    for p in $qt_libs $client_tools; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
fi
if [ -n "$missing" ]; then
    echo "Installing the system packages Qt and the intake tests need:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "Installing Python's venv module (python3-venv)"
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
    else
        echo "Python's venv module is missing: install python3-venv" >&2
        exit 1
    fi
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev]"
echo "Environment ready in $VENV"
