"""Per-user window settings (QSettings, INI format in the user's config folder). Never a password."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "IncidentDesk"
APPLICATION = "IncidentDesk"


def settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


def user_key(username: str, name: str) -> str:
    return f"users/{username}/{name}"
