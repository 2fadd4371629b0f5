"""Text longer than its column, on SQLite and PostgreSQL: the services refuse it naming the
field and the limit (the same on both engines: SQLite alone would keep it whole), and a value
PostgreSQL cannot keep that no service checks is a ValidationError, not a database error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.errors import ValidationError
from app.models import Caller, Category
from app.services import callers, catalog, defaults, users
from app.services.context import Desk
from app.services.defaults import Defaults


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    return d


def test_names_longer_than_their_columns_are_refused_naming_the_limit(desk: Desk) -> None:
    root = desk.actor("dev")
    with pytest.raises(
        ValidationError, match=r"The category name 'x{40}…' has 121 characters; at most 120"
    ):
        catalog.add_category(desk, root, "x" * 121)
    with pytest.raises(
        ValidationError, match=r"The caller's name 'c{40}…' has 201 characters; at most 200"
    ):
        callers.add_caller(desk, root, "c" * 201)
    with pytest.raises(ValidationError, match=r"The full name 'n{40}…' has 201 characters"):
        users.add_user(desk, root, "ann", "n" * 201, "agent")
    catalog.add_category(desk, root, "x" * 120)  # at the limit: kept
    with desk.read() as conn:
        assert conn.execute(select(func.count()).select_from(Category)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(Caller)).scalar_one() == 0


def test_what_postgresql_cannot_keep_is_a_validation_error(desk: Desk) -> None:
    root = desk.actor("dev")
    email = "n" * 300 + "@example.com"  # the group's e-mail address: no service checks it
    if desk.dialect == "sqlite":  # SQLite keeps any length
        catalog.add_group(desk, root, "Network", 2, email=email)
        assert [g.email for g in catalog.group_details(desk)] == [email]
        return
    with pytest.raises(ValidationError, match=r"longer than the database keeps \(value too long"):
        catalog.add_group(desk, root, "Network", 2, email=email)
    assert catalog.group_details(desk) == []
