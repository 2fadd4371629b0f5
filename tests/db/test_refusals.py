"""Refusals the role table does not walk: what a note, an assignment and a title may not be, and
what a deactivated user may no longer do. Each refusal names what is wrong in words (a person's
name, never an id) and writes nothing: no audit, no journal, no change for the live feed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.domain.errors import IllegalTransition, PermissionDenied, ValidationError
from app.domain.lifecycle import State
from app.models import Agent, AuditEntry, ChangeLogEntry, JournalEntry
from app.services import catalog, defaults, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(
        d,
        root,
        "carla",
        "Carla Rossi",
        "supervisor",
        groups=["Service Desk"],
        password="carla-pass",
    )
    users.add_user(
        d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"], password="ana-password"
    )
    users.add_user(
        d, root, "ben", "Ben Okafor", "specialist", groups=["Network"], password="ben-password"
    )
    users.add_user(d, root, "nogroup", "Nora Nobody", "agent", password="nora-password")
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]
    return d


def _log(desk: Desk, **kw: object):  # type: ignore[no-untyped-def]
    fields = {
        "title": "Printer on floor 2 jams",
        "impact": 3,
        "urgency": 3,
        "group_id": desk.ids["sd"],
    }  # type: ignore[attr-defined]
    fields.update(kw)
    return inc.log_incident(desk, desk.actor("ana"), inc.NewIncident(**fields))  # type: ignore[arg-type]


def _writes(desk: Desk) -> tuple[int, int, int]:
    with desk.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            conn.execute(select(func.count()).select_from(JournalEntry)).scalar_one(),
            conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar_one(),
        )


def _deactivate(desk: Desk, username: str) -> None:
    """What an admin does to someone who left (there is no command for it yet: in SQL)."""
    with desk.write() as s:
        s.execute(update(Agent).where(Agent.username == username).values(active=False))


def test_every_journal_refusal_names_the_problem_and_writes_nothing(desk: Desk) -> None:
    ana = desk.actor("ana")
    rec = _log(desk)
    before = _writes(desk)
    refusals = [
        (
            lambda: inc.add_journal(desk, ana, rec.id, "work_note", ""),
            ValidationError,
            "The note is empty",
            "body",
        ),
        (
            lambda: inc.add_journal(desk, ana, rec.id, "work_note", " \n\t "),
            ValidationError,
            "The note is empty",
            "body",
        ),
        (
            lambda: inc.add_journal(desk, ana, rec.id, "memo", "Called back"),
            ValidationError,
            "Unknown journal kind 'memo'; use work_note or comment",
            "kind",
        ),
        (
            lambda: inc.add_journal(desk, ana, rec.id, "system", "Escalated by nobody"),
            PermissionDenied,
            "System entries are written by the desk itself",
            None,
        ),
        (
            lambda: inc.add_journal(desk, ana, 999_999, "work_note", "Lost"),
            Exception,
            "No incident with id 999999",
            None,
        ),
    ]
    for call, kind, message, field in refusals:
        with pytest.raises(kind) as err:
            call()
        assert str(err.value) == message
        assert getattr(err.value, "field", None) == field
    assert _writes(desk) == before
    # a closed incident takes no more notes: the rule's reason, the same as the window shows
    carla = desk.actor("carla")
    done = inc.resolve(desk, carla, rec.id, rec.version, "solution_provided", "Cleared the jam")
    done = inc.close(desk, carla, done.id, done.version, "caller_confirmed")
    assert done.state is State.CLOSED
    before = _writes(desk)
    with pytest.raises(IllegalTransition, match=f"{rec.number} is Closed: only its problem"):
        inc.add_journal(desk, ana, rec.id, "comment", "One more thing")
    assert _writes(desk) == before
    # and the note that is allowed is written once, trimmed
    other = _log(desk, title="Toner low")
    entry = inc.add_journal(desk, ana, other.id, "comment", "  Ordered toner  ")
    assert entry.body == "Ordered toner"
    assert [j.body for j in queries.journal(desk, other.id)][-1] == "Ordered toner"


def test_every_assignment_refusal_names_the_problem_and_writes_nothing(desk: Desk) -> None:
    ana, ben, carla = desk.actor("ana"), desk.actor("ben"), desk.actor("carla")
    sd, net = desk.ids["sd"], desk.ids["net"]  # type: ignore[attr-defined]
    rec = _log(desk)
    loose = inc.log_incident(
        desk, desk.actor("nogroup"), inc.NewIncident("Monitor flickers", impact=3, urgency=3)
    )
    assert loose.group_id is None
    before = _writes(desk)
    refusals = [
        # no group
        (
            lambda: inc.assign(desk, carla, rec.id, rec.version, group_id=None, assignee_id=None),
            ValidationError,
            "A group is required",
            "group",
        ),
        # a group that does not exist
        (
            lambda: inc.assign(desk, carla, rec.id, rec.version, group_id=999, assignee_id=None),
            ValidationError,
            "No group with id 999",
            "group",
        ),
        # someone who is not in the group
        (
            lambda: inc.assign(desk, carla, rec.id, rec.version, group_id=sd, assignee_id=ben.id),
            ValidationError,
            "Ben Okafor is not a member of Service Desk",
            "assignee",
        ),
        # nobody of that id
        (
            lambda: inc.assign(desk, carla, rec.id, rec.version, group_id=sd, assignee_id=999),
            ValidationError,
            "No active agent with id 999",
            "assignee",
        ),
        # an agent may not name someone else
        (
            lambda: inc.assign(desk, ana, rec.id, rec.version, group_id=sd, assignee_id=carla.id),
            PermissionDenied,
            "Only a specialist, a supervisor or an admin may assign an incident to someone else",
            None,
        ),
        # a specialist names someone else only in their own groups
        (
            lambda: inc.assign(desk, ben, rec.id, rec.version, group_id=sd, assignee_id=ana.id),
            PermissionDenied,
            None,
            None,
        ),
        # taking another group's incident
        (
            lambda: inc.assign_to_me(desk, desk.actor("nogroup"), rec.id, rec.version),
            PermissionDenied,
            f"{rec.number} belongs to Service Desk, not to one of your groups: an agent may take "
            "an incident (assign it to themselves) only in their own groups",
            None,
        ),
        # taking an incident of no group, without a group to take it in
        (
            lambda: inc.assign_to_me(desk, desk.actor("nogroup"), loose.id, loose.version),
            IllegalTransition,
            "You belong to no group: an admin must add you to one before you can take incidents",
            None,
        ),
    ]
    for call, kind, message, field in refusals:
        with pytest.raises(kind) as err:
            call()
        if message is not None:
            assert str(err.value) == message
        assert getattr(err.value, "field", None) == field
    assert _writes(desk) == before
    taken = inc.assign_to_me(desk, ana, rec.id, rec.version)
    with pytest.raises(IllegalTransition, match=f"{rec.number} is assigned to you already"):
        inc.assign_to_me(desk, ana, rec.id, taken.version)
    resolved = inc.resolve(desk, ana, rec.id, taken.version, "solution_provided", "Cleared the jam")
    before = _writes(desk)
    with pytest.raises(IllegalTransition, match=f"{rec.number} is Resolved: only an open incident"):
        inc.assign(desk, carla, rec.id, resolved.version, group_id=net, assignee_id=ben.id)
    assert _writes(desk) == before


def test_the_title_limit_on_logging_and_on_editing(desk: Desk) -> None:
    ana = desk.actor("ana")
    limit = inc.MAX_TITLE
    before = _writes(desk)
    with pytest.raises(ValidationError) as err:
        _log(desk, title="x" * (limit + 1))
    assert str(err.value) == f"The title has {limit + 1} characters; at most {limit}"
    assert err.value.field == "title"
    assert _writes(desk) == before
    rec = _log(desk, title="y" * limit)  # exactly the limit is fine
    assert len(rec.title) == limit
    # spaces do not count against it: the title is stored with single spaces
    spaced = _log(desk, title="  " + "z " * (limit // 2) + "  ")
    assert len(spaced.title) <= limit
    before = _writes(desk)
    with pytest.raises(ValidationError) as err:
        inc.update_fields(desk, ana, rec.id, rec.version, {"title": "w" * (limit + 1)})
    assert str(err.value) == f"The title is over {limit} characters" and err.value.field == "title"
    assert _writes(desk) == before
    assert queries.get_incident(desk, rec.id).title == "y" * limit


def test_a_deactivated_user_can_neither_sign_in_nor_act_nor_be_assigned(desk: Desk) -> None:
    carla = desk.actor("carla")
    signed_in = users.authenticate(desk, "ana", "ana-password")  # a session opened before
    rec = _log(desk)
    _deactivate(desk, "ana")
    # sign-in: the same words as a wrong password (nothing tells who exists)
    with pytest.raises(PermissionDenied) as err:
        users.authenticate(desk, "ana", "ana-password")
    assert str(err.value) == "Wrong user name or password"
    with pytest.raises(PermissionDenied, match="The user 'ana' is deactivated"):
        desk.actor("ana")
    # not offered for assignment, and refused by name when named anyway
    offered = [a.full_name for a in queries.agents(desk, desk.ids["sd"]) if a.active]  # type: ignore[attr-defined]
    assert "Ana Garcia" not in offered and "Carla Rossi" in offered
    before = _writes(desk)
    with pytest.raises(ValidationError) as err:
        inc.assign(
            desk, carla, rec.id, rec.version, group_id=desk.ids["sd"], assignee_id=signed_in.id
        )  # type: ignore[attr-defined]
    assert str(err.value) == "Ana Garcia is deactivated: assign the incident to someone else"
    assert err.value.field == "assignee"
    # the session opened before can no longer change incidents (every door checks it)
    for call in (
        lambda: inc.add_journal(desk, signed_in, rec.id, "work_note", "Still here"),
        lambda: inc.assign_to_me(desk, signed_in, rec.id, rec.version),
        lambda: inc.update_fields(
            desk, signed_in, rec.id, rec.version, {"title": "Printer fixed?"}
        ),
        lambda: inc.log_incident(
            desk, signed_in, inc.NewIncident("Another one", impact=3, urgency=3)
        ),
    ):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert str(refused.value) == "Ana Garcia's account is deactivated: ask an admin"
    assert _writes(desk) == before


def test_a_service_without_a_name_or_of_an_unknown_kind_is_refused_in_words(desk: Desk) -> None:
    root = desk.actor("dev")
    before = _writes(desk)
    with pytest.raises(
        ValidationError, match=r"^Printers: the kind is 'service' or 'ci', not 'printer'$"
    ):
        catalog.add_service(desk, root, "Printers", kind="printer")
    with pytest.raises(ValidationError, match=r"^A service needs a name$"):
        catalog.add_service(desk, root, "   ")
    assert _writes(desk) == before
