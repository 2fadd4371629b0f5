"""Settings the desk keeps in its database (one JSON value per key), shared by every workstation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Setting
from app.services.context import Desk

# The demo data's agents all sign in with this (documented) password; the demo loader records a
# few of their names under DEMO_USERS so that the sign-in dialog can say so.
DEMO_PASSWORD = "demo-pass"
DEMO_USERS = "demo_users"


def read_setting(desk: Desk, key: str, default: Any = None) -> Any:
    with desk.read() as conn:
        value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    return default if value is None else value


def write_setting(session: Session, key: str, value: Any) -> None:
    """Set `key` in the caller's transaction."""
    session.merge(Setting(key=key, value=value))


def demo_users(desk: Desk) -> list[str]:
    """A few demo user names when the database holds the demo data, else []."""
    value = read_setting(desk, DEMO_USERS)
    return [str(v) for v in value] if isinstance(value, list) else []
