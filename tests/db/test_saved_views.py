"""Saved views in the database: each user's own, checked, announced on the change feed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.db.changes import changes_since, latest_seq
from app.db.engine import make_engine
from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.models import SavedView as SavedViewRow
from app.services import catalog, defaults, saved_views, users
from app.services.context import Actor, Desk
from app.services.saved_views import SavedView

MINE = QueueFilter(states=(State.IN_PROGRESS, State.ON_HOLD), priorities=(1, 2), text="vpn")


@pytest.fixture
def desk(engine) -> Desk:  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d)
    users.add_user(d, None, "admin", "Dev Admin", "admin", password="pw-admin-1")
    admin = d.actor("admin")
    catalog.add_group(d, admin, "Service Desk", 1)
    users.add_user(d, admin, "ana", "Ana Agent", "agent", groups=["Service Desk"])
    users.add_user(d, admin, "ben", "Ben Agent", "agent", groups=["Service Desk"])
    return d


def _ana(desk: Desk) -> Actor:
    return desk.actor("ana")


def test_save_list_replace_delete(desk: Desk) -> None:
    ana = _ana(desk)
    assert saved_views.list_views(desk, ana) == []
    saved = saved_views.save_view(desk, ana, "  My   VPN work ", MINE, "sla", True)
    assert saved == SavedView("My VPN work", MINE, "sla", True, own=True)
    saved_views.save_view(desk, ana, "Unassigned P1", QueueFilter(unassigned=True, priorities=(1,)))
    assert [v.name for v in saved_views.list_views(desk, ana)] == ["My VPN work", "Unassigned P1"]
    assert saved_views.list_views(desk, ana)[0] == saved  # read back field for field

    # the same name replaces the view, in its place
    narrower = QueueFilter(states=(State.NEW,), major=True)
    saved_views.save_view(desk, ana, "My VPN work", narrower)
    views = saved_views.list_views(desk, ana)
    assert [v.name for v in views] == ["My VPN work", "Unassigned P1"]
    assert views[0].flt == narrower and views[0].sort == "priority" and not views[0].descending

    saved_views.delete_view(desk, ana, "My VPN work")
    assert [v.name for v in saved_views.list_views(desk, ana)] == ["Unassigned P1"]
    with pytest.raises(ValidationError, match="no saved view named “My VPN work”"):
        saved_views.delete_view(desk, ana, "My VPN work")


def test_views_are_each_users_own(desk: Desk) -> None:
    ana, ben = _ana(desk), desk.actor("ben")
    saved_views.save_view(desk, ana, "Mine", MINE)
    saved_views.save_view(desk, ben, "Mine", QueueFilter(major=True))
    assert saved_views.list_views(desk, ana)[0].flt == MINE
    assert saved_views.list_views(desk, ben)[0].flt == QueueFilter(major=True)
    with pytest.raises(ValidationError):
        saved_views.delete_view(desk, ben, "Not his")
    saved_views.delete_view(desk, ben, "Mine")
    assert [v.name for v in saved_views.list_views(desk, ana)] == ["Mine"]


def test_bad_names_and_sorts_are_refused_and_nothing_is_written(desk: Desk) -> None:
    ana = _ana(desk)
    saved_views.save_view(desk, ana, "Kept", MINE)
    with pytest.raises(ValidationError, match="needs a name"):
        saved_views.save_view(desk, ana, "   ", MINE)
    with pytest.raises(ValidationError, match=r"at most 120 characters \(this one has 121\)"):
        saved_views.save_view(desk, ana, "x" * 121, MINE)
    with pytest.raises(ValidationError, match="“all open” is the name of a built-in view"):
        saved_views.save_view(desk, ana, "all open", MINE)
    with pytest.raises(ValidationError, match="unknown sort 'colour'"):
        saved_views.save_view(desk, ana, "Sorted", MINE, sort="colour")
    with pytest.raises(ValidationError, match="built in and cannot be deleted"):
        saved_views.delete_view(desk, ana, "My incidents")
    assert [v.name for v in saved_views.list_views(desk, ana)] == ["Kept"]


def test_builtin_names_are_the_builtin_views(desk: Desk) -> None:
    names = {v.name.casefold() for v in saved_views.builtin_views(_ana(desk))}
    assert names == saved_views.BUILTIN_NAMES


def test_a_user_keeps_at_most_max_views(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved_views, "MAX_VIEWS", 3)
    ana = _ana(desk)
    for i in range(3):
        saved_views.save_view(desk, ana, f"View {i}", MINE)
    with pytest.raises(ValidationError, match="3 saved views, the most one user can keep"):
        saved_views.save_view(desk, ana, "One more", MINE)
    saved_views.save_view(desk, ana, "View 1", QueueFilter())  # replacing is still allowed
    assert len(saved_views.list_views(desk, ana)) == 3


def test_each_change_is_announced_for_the_owner(desk: Desk) -> None:
    ana = _ana(desk)
    with desk.read() as conn:
        start = latest_seq(conn)
    saved_views.save_view(desk, ana, "Mine", MINE)
    saved_views.save_view(desk, ana, "Mine", QueueFilter())
    saved_views.delete_view(desk, ana, "Mine")
    with desk.read() as conn:
        got = [c for c in changes_since(conn, start, overlap=0) if c.seq > start]
    assert [(c.entity, c.entity_id, c.kind) for c in got] == [
        ("saved_view", ana.id, "created"),
        ("saved_view", ana.id, "updated"),
        ("saved_view", ana.id, "deleted"),
    ]
    assert saved_views.views_changed(got, ana)
    assert not saved_views.views_changed(got, desk.actor("ben"))


def test_another_workstation_sees_the_view(desk: Desk, db_url: str) -> None:
    other_engine = make_engine(db_url)
    try:
        other = Desk(other_engine)
        saved_views.save_view(desk, _ana(desk), "Mine", MINE, "updated", True)
        assert saved_views.list_views(other, other.actor("ana")) == [
            SavedView("Mine", MINE, "updated", True, own=True)
        ]
    finally:
        other_engine.dispose()


def test_a_stored_view_that_cannot_be_read_is_named(desk: Desk) -> None:
    ana = _ana(desk)
    saved_views.save_view(desk, ana, "Odd", MINE)
    with desk.write() as s:
        s.execute(
            update(SavedViewRow).values(
                filter={"filter": {"states": ["sleeping"]}, "sort": "priority"}
            )
        )
    with pytest.raises(ValidationError, match="Saved view 'Odd': unknown state 'sleeping'"):
        saved_views.list_views(desk, ana)


def test_import_keeps_what_is_stored_and_names_what_it_refuses(desk: Desk) -> None:
    ana = _ana(desk)
    saved_views.save_view(desk, ana, "Stored", MINE)
    result = saved_views.import_views(
        desk,
        ana,
        [
            SavedView("Stored", QueueFilter(major=True), own=True),  # the stored one wins
            SavedView("From this workstation", QueueFilter(unassigned=True), "sla", own=True),
            SavedView("All open", QueueFilter(), own=True),  # a built-in name
            SavedView("Bad sort", QueueFilter(), "nonsense", own=True),
        ],
    )
    assert result.added == ("From this workstation",)
    assert result.kept == ("Stored",)
    assert [r.split(":")[0] for r in result.refused] == ["All open", "Bad sort"]
    views = {v.name: v for v in saved_views.list_views(desk, ana)}
    assert views["Stored"].flt == MINE
    assert views["From this workstation"] == SavedView(
        "From this workstation", QueueFilter(unassigned=True), "sla", own=True
    )
    with desk.read() as conn:
        assert conn.execute(select(SavedViewRow.name)).scalars().all() == [
            "Stored",
            "From this workstation",
        ]
