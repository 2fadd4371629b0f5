"""Sign-in lock-out: five wrong passwords in a row lock a user out for 15 minutes, on both
engines; the lock is in the user's admin history, a right password in the meantime does not
open it, a password reset by an admin does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from app.domain.errors import PermissionDenied
from app.services import users
from app.services.admin_audit import admin_history
from app.services.context import Desk

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _desk(engine: Engine) -> tuple[Desk, list[datetime]]:
    now = [T0]
    desk = Desk(engine, clock=lambda: now[0], zone="UTC")
    users.add_user(desk, None, "root", "Ro Root", "admin", password="root-pass-1")
    users.add_user(desk, desk.actor("root"), "ana", "Ana Agent", "agent", password="ana-pass-1")
    return desk, now


def _wrong(desk: Desk, times: int) -> list[str]:
    said = []
    for _ in range(times):
        with pytest.raises(PermissionDenied) as refused:
            users.authenticate(desk, "ana", "not-her-password")
        said.append(str(refused.value))
    return said


def test_five_wrong_passwords_lock_out_until_the_lock_ends(engine: Engine) -> None:
    desk, now = _desk(engine)
    said = _wrong(desk, 5)
    assert said[:4] == ["Wrong user name or password"] * 4
    assert "locked out until 09:15" in said[4]
    now[0] = T0 + timedelta(minutes=14)
    with pytest.raises(PermissionDenied, match="locked out until 09:15"):
        users.authenticate(desk, "ana", "ana-pass-1")  # the right password: still locked
    ana = next(u for u in users.list_users(desk) if u.username == "ana")
    history = admin_history(desk, "user", ana.id)
    assert [(h.field, h.new, h.reason, h.who) for h in history if h.field == "Sign-in"] == [
        ("Sign-in", "locked out until 2026-03-02 09:15", "5 wrong passwords in a row", None)
    ]
    now[0] = T0 + timedelta(minutes=15, seconds=1)
    assert users.authenticate(desk, "ana", "ana-pass-1").username == "ana"
    # the count starts again from nothing
    assert _wrong(desk, 4) == ["Wrong user name or password"] * 4
    assert users.authenticate(desk, "ana", "ana-pass-1").username == "ana"
    assert _wrong(desk, 4) == ["Wrong user name or password"] * 4


def test_an_admins_password_reset_lifts_the_lock(engine: Engine) -> None:
    desk, _ = _desk(engine)
    _wrong(desk, 5)
    users.reset_password(desk, desk.actor("root"), "ana", "fresh-pass-2")
    assert users.authenticate(desk, "ana", "fresh-pass-2").username == "ana"


def test_unknown_users_are_told_nothing_more(engine: Engine) -> None:
    desk, _ = _desk(engine)
    for _ in range(6):
        with pytest.raises(PermissionDenied, match=r"^Wrong user name or password$"):
            users.authenticate(desk, "nobody", "whatever")
