"""Files shipped with the application (icons, styles): found in the source tree or a bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    """resources/ of the source tree, or of a PyInstaller bundle (sys._MEIPASS)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@cache
def app_icon() -> QIcon:
    """The application's icon (an SVG: sharp at every scale factor); empty if it is missing."""
    return QIcon(str(resources_dir() / "icons" / "incidentdesk.svg"))
