"""The application icon for Windows and macOS, rendered from resources/icons/incidentdesk.svg
by Qt itself (no other tool): build/icons/incidentdesk.ico (16-256 px) and
build/icons/incidentdesk-1024.png (the macOS recipe turns it into an .icns).

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "incidentdesk.svg"))
    if not renderer.isValid():
        print("resources/icons/incidentdesk.svg: not a valid SVG", file=sys.stderr)
        return 1
    out = ROOT / "build" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    if not render(renderer, 256).save(str(out / "incidentdesk.ico")):
        print("Qt could not write the .ico (its imageformats plugin is missing)", file=sys.stderr)
        return 1
    render(renderer, 1024).save(str(out / "incidentdesk-1024.png"))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
