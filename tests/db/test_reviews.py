"""Post-incident reviews on SQLite and PostgreSQL: the timeline generated from the history with
its evidence, the measures in wall and business time, one write per save, conflicts, approval by
someone else, and the Markdown export."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.errors import ConflictError, PermissionDenied, ValidationError
from app.domain.review import ActionItem, ReviewState, TimelineLine, to_markdown
from app.models import AuditEntry, IncidentReview, JournalEntry, Problem
from app.services import catalog, defaults, reviews, sla_sweep, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Brussels, office hours 08-17


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=Clock(MONDAY_9))
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    users.add_user(d, root, "sue", "Sue Lin", "supervisor", groups=["Service Desk"])
    users.add_user(d, root, "sam", "Sam Reyes", "supervisor", groups=["Network"])
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]
    return d


def _at(desk: Desk, minutes: int) -> None:
    desk._clock.now = MONDAY_9 + timedelta(minutes=minutes)  # type: ignore[attr-defined]


def _resolved_p2(desk: Desk) -> int:
    """Logged 08:00 UTC, taken 08:10, escalated to Network 08:30, taken 08:40, on hold 09:00-10:00,
    a work note 10:30, the SLA warning at 14:00, resolved Tuesday 08:30 UTC."""
    ana, ben = desk.actor("ana"), desk.actor("ben")
    rec = inc.log_incident(
        desk,
        ana,
        inc.NewIncident(
            title="VPN down for the Brussels office", impact=1, urgency=2, group_id=desk.ids["sd"]
        ),  # type: ignore[attr-defined]
    )
    assert rec.priority == 2
    _at(desk, 10)
    r = inc.assign_to_me(desk, ana, rec.id, None)
    _at(desk, 30)
    r = inc.escalate_functional(
        desk, ana, rec.id, r.version, desk.ids["net"], "needs the firewall team"
    )  # type: ignore[attr-defined]
    _at(desk, 40)
    r = inc.assign_to_me(desk, ben, rec.id, r.version)
    _at(desk, 60)
    r = inc.hold(desk, ben, rec.id, r.version, "awaiting_vendor")
    _at(desk, 120)
    r = inc.resume(desk, ben, rec.id, r.version)
    _at(desk, 150)
    inc.add_journal(desk, ben, rec.id, "work_note", "Vendor pushed a fixed firmware")
    _at(desk, 360)
    sla_sweep.sweep(desk)
    _at(desk, 24 * 60 + 30)
    inc.resolve(desk, ben, rec.id, None, "solution_provided", "Firmware 7.2 installed")
    return rec.id


def test_the_timeline_tells_the_history_and_each_line_keeps_its_evidence(desk: Desk) -> None:
    iid = _resolved_p2(desk)
    draft = reviews.open_review(desk, desk.actor("sue"), iid)
    assert draft.version == 0 and draft.state is ReviewState.DRAFT
    kinds = [ln.kind for ln in draft.timeline]
    for kind in (
        "logged",
        "assignment",
        "escalation",
        "hold",
        "resume",
        "journal",
        "sla",
        "resolution",
    ):
        assert kind in kinds, (kind, kinds)
    assert kinds[0] == "logged" and kinds.index("hold") < kinds.index("resume")
    texts = [ln.text for ln in draft.timeline]
    assert "Assigned to group Network by Ana Garcia" in texts
    assert "Escalated from line 1 to line 2 by Ana Garcia" in texts
    assert any(t.startswith("Put on hold (Awaiting vendor)") for t in texts), texts
    assert any(t.startswith("Resolved (Solution provided)") for t in texts), texts
    assert "Work note by Ben Okafor: Vendor pushed a fixed firmware" in texts
    assert any(t.startswith("SLA warning") for t in texts)
    assert [ln.at for ln in draft.timeline] == sorted(ln.at for ln in draft.timeline)
    with desk.query() as s:
        for ln in draft.timeline:
            if ln.source == "audit":
                row = s.get(AuditEntry, ln.source_id)
                assert row is not None and row.incident_id == iid and row.at == ln.at
            else:
                assert ln.source == "journal"
                j = s.get(JournalEntry, ln.source_id)
                assert j is not None and j.incident_id == iid and j.body in ln.text


def test_time_to_own_and_resolve_in_wall_and_business_time(desk: Desk) -> None:
    iid = _resolved_p2(desk)
    m = reviews.open_review(desk, desk.actor("sue"), iid).measures
    assert m is not None
    assert (m.own_wall_s, m.own_business_s) == (600, 600)
    # Monday 08:00 -> Tuesday 08:30 UTC: 24.5 hours on the wall; on the office calendar
    # (08-17 Brussels = 07-16 UTC) Monday 08:00-16:00 and Tuesday 07:00-08:30: 9.5 hours
    assert m.resolve_wall_s == int(24.5 * 3600)
    assert m.resolve_business_s == int(9.5 * 3600)
    assert m.calendar == "Office hours"


def _filled(draft: reviews.ReviewDraft, owner: int, approver: int) -> reviews.ReviewDraft:
    texts = {
        "trigger": "P2 with the whole office off the VPN",
        "summary": "The VPN concentrator's firmware dropped tunnels.",
        "impact": "120 people in Brussels for a day",
        "root_cause": "Firmware 7.1 leaks tunnel memory",
        "went_well": "Escalated within 30 minutes",
        "went_wrong": "Waited a night on the vendor",
        "internal_summary": "Firmware bug; fixed by 7.2.",
        "caller_text": "The VPN outage of Monday is fixed.",
    }
    return replace(
        draft,
        owner_id=owner,
        approver_id=approver,
        texts=texts,
        whys=("Tunnels dropped", "Memory ran out", "Firmware 7.1 leaks"),
        actions=(ActionItem("prevent", "Monitor tunnel memory", "Network", "2026-03-20"),),
    )


def test_a_draft_saves_in_one_write_resumes_elsewhere_and_a_stale_save_conflicts(
    desk: Desk,
) -> None:
    iid = _resolved_p2(desk)
    sue, sam = desk.actor("sue"), desk.actor("sam")
    draft = reviews.open_review(desk, sue, iid)
    lines = list(draft.timeline)
    lines[0] = lines[0].edited("Logged by phone from the Brussels office")
    lines[1] = replace(lines[1], hidden=True)
    lines.append(TimelineLine(MONDAY_9 + timedelta(minutes=5), "Monitoring paged nobody", "note"))
    draft = replace(_filled(draft, sue.id, sam.id), timeline=tuple(lines))
    saved = reviews.save_review(desk, sue, draft)
    assert saved.version == 1 and saved.review_id is not None
    with desk.query() as s:
        assert s.scalar(select(func.count()).select_from(IncidentReview)) == 1

    # another workstation (a fresh read) sees the same draft, edits kept with their evidence
    other = reviews.open_review(desk, sam, iid)
    assert (
        other.version == 1 and other.owner_name == "Sue Lin" and other.approver_name == "Sam Reyes"
    )
    assert other.timeline == saved.timeline
    first = other.timeline[0]
    assert first.text == "Logged by phone from the Brussels office"
    assert first.original is not None and first.original.startswith("Logged as INC")
    assert first.source == "audit" and first.evidence == f"audit #{first.source_id}"
    assert other.timeline[1].hidden
    assert len(other.visible_lines()) == len([ln for ln in lines if not ln.hidden])
    assert other.text("root_cause") == "Firmware 7.1 leaks tunnel memory"
    assert other.whys[2] == "Firmware 7.1 leaks" and other.actions[0].kind == "prevent"

    mine = reviews.save_review(
        desk, sam, replace(other, texts={**other.texts, "got_lucky": "Low traffic"})
    )
    assert mine.version == 2
    with pytest.raises(ConflictError) as err:
        reviews.save_review(desk, sue, replace(saved, texts={**saved.texts, "impact": "lost"}))
    assert "nothing was saved" in str(err.value)
    now = reviews.open_review(desk, sue, iid)
    assert now.version == 2 and now.text("impact") == "120 people in Brussels for a day"
    assert now.text("got_lucky") == "Low traffic"


def test_only_a_supervisor_reviews_and_someone_else_approves(desk: Desk) -> None:
    iid = _resolved_p2(desk)
    sue, sam, ana = desk.actor("sue"), desk.actor("sam"), desk.actor("ana")
    with pytest.raises(PermissionDenied):
        reviews.open_review(desk, ana, iid)
    draft = reviews.open_review(desk, sue, iid)
    bare = reviews.save_review(desk, sue, replace(draft, owner_id=sue.id))
    with pytest.raises(ValidationError) as err:
        reviews.move_review(desk, sue, iid, bare.version, ReviewState.IN_REVIEW)
    message = str(err.value)
    assert "Choose who approves the review" in message and "Name the root cause" in message
    assert reviews.open_review(desk, sue, iid).state is ReviewState.DRAFT

    full = reviews.save_review(desk, sue, _filled(bare, sue.id, sam.id))
    sent = reviews.move_review(desk, sue, iid, full.version, ReviewState.IN_REVIEW)
    assert sent.state is ReviewState.IN_REVIEW
    with pytest.raises(PermissionDenied, match="own review"):
        reviews.move_review(desk, sue, iid, sent.version, ReviewState.REVIEWED)
    done = reviews.move_review(desk, sam, iid, sent.version, ReviewState.REVIEWED)
    assert done.state is ReviewState.REVIEWED and done.approved_by == "Sam Reyes"
    closed = reviews.move_review(desk, sam, iid, done.version, ReviewState.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        reviews.save_review(desk, sue, closed)
    with desk.query() as s:
        moves = s.scalars(
            select(AuditEntry.new_value)
            .where(AuditEntry.incident_id == iid, AuditEntry.field == "review")
            .order_by(AuditEntry.id)
        ).all()
    assert moves == ["Draft", "In review", "Reviewed", "Closed"]


def test_markdown_has_the_timeline_as_a_table_with_evidence(desk: Desk) -> None:
    iid = _resolved_p2(desk)
    sue, sam = desk.actor("sue"), desk.actor("sam")
    draft = reviews.open_review(desk, sue, iid)
    hidden = replace(draft.timeline[2], hidden=True)
    draft = replace(
        _filled(draft, sue.id, sam.id), timeline=(*draft.timeline[:2], hidden, *draft.timeline[3:])
    )
    saved = reviews.save_review(desk, sue, draft)
    text = to_markdown(saved, desk.zone)
    rows = [ln for ln in text.splitlines() if ln.startswith("| 2026-")]
    assert len(rows) == len([ln for ln in saved.timeline if not ln.hidden]) >= 8
    assert rows[0].startswith("| 2026-03-02 09:00 | Logged as INC0000001 by Ana Garcia | audit #")
    assert hidden.text not in text
    assert "- Time to resolve: 1 d 0 h 30 min wall, 9 h 30 min business (Office hours)" in text
    assert "| prevent | Monitor tunnel memory | Network | 2026-03-20 | - |" in text
    assert "3. Why? Firmware 7.1 leaks" in text


def test_an_action_item_becomes_a_problem_record_once(desk: Desk) -> None:
    iid = _resolved_p2(desk)
    sue, sam = desk.actor("sue"), desk.actor("sam")
    saved = reviews.save_review(
        desk, sue, _filled(reviews.open_review(desk, sue, iid), sue.id, sam.id)
    )
    with pytest.raises(ConflictError):
        reviews.problem_from_action(desk, sue, iid, saved.version + 5, 0)
    with pytest.raises(ValidationError, match="no action 2"):
        reviews.problem_from_action(desk, sue, iid, saved.version, 1)
    done = reviews.problem_from_action(desk, sue, iid, saved.version, 0)
    number = done.actions[0].problem_number
    assert number is not None and number.startswith("PRB") and done.version == saved.version + 1
    with desk.query() as s:
        prb = s.scalars(select(Problem).where(Problem.number == number)).one()
        audit = s.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.incident_id == iid, AuditEntry.field == "review"
            )
        ).all()
    assert prb.title == "Monitor tunnel memory" and "INC0000001" in prb.description
    assert f"Problem {number}" in audit
    with pytest.raises(ValidationError, match="has a problem already"):
        reviews.problem_from_action(desk, sue, iid, done.version, 0)
    assert f"| {number} |" in to_markdown(done, desk.zone)
