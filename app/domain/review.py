"""The post-incident review: its states, its pages and what each page requires, the timeline
lines (each keeps the audit or journal row it came from), the measures of the response, and the
Markdown export. Plain values: the services read and write them, the wizard edits them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from app.domain.errors import IllegalTransition, PermissionDenied, ValidationError


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    REVIEWED = "reviewed"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "in_review": "In review",
            "reviewed": "Reviewed",
            "closed": "Closed",
        }[self.value]


# where each state may go: a review in review can go back to its owner as a draft
MOVES: dict[ReviewState, tuple[ReviewState, ...]] = {
    ReviewState.DRAFT: (ReviewState.IN_REVIEW,),
    ReviewState.IN_REVIEW: (ReviewState.DRAFT, ReviewState.REVIEWED),
    ReviewState.REVIEWED: (ReviewState.CLOSED, ReviewState.IN_REVIEW),
    ReviewState.CLOSED: (),
}

ACTION_KINDS = ("mitigate", "prevent", "process")


class Page(enum.IntEnum):
    """The wizard's pages, in order."""

    TRIGGER = 1
    SUMMARY = 2
    TIMELINE = 3
    DETECTION = 4
    CAUSE = 5
    LESSONS = 6
    ACTIONS = 7
    APPROVAL = 8
    COMMUNICATION = 9

    @property
    def title(self) -> str:
        return PAGE_TITLES[self]


PAGE_TITLES = {
    Page.TRIGGER: "Trigger and owner",
    Page.SUMMARY: "Summary and impact",
    Page.TIMELINE: "Timeline",
    Page.DETECTION: "Detection and response",
    Page.CAUSE: "Contributing factors and root cause",
    Page.LESSONS: "Lessons",
    Page.ACTIONS: "Action items",
    Page.APPROVAL: "Review and approval",
    Page.COMMUNICATION: "Communication",
}

# the text fields each page requires, with the reason shown when one is empty
REQUIRED: dict[Page, tuple[tuple[str, str], ...]] = {
    Page.TRIGGER: (("trigger", "Say why this incident is reviewed (the trigger)"),),
    Page.SUMMARY: (
        ("summary", "Write a summary: what happened, in two or three sentences"),
        ("impact", "Say who and what was affected (the impact)"),
    ),
    Page.CAUSE: (("root_cause", "Name the root cause (the last of the five whys)"),),
    Page.LESSONS: (
        ("went_well", "Say what went well"),
        ("went_wrong", "Say what went wrong"),
    ),
    Page.COMMUNICATION: (
        ("internal_summary", "Write the internal summary"),
        ("caller_text", "Write the text for callers"),
    ),
}

TEXT_FIELDS = (
    "trigger",
    "summary",
    "impact",
    "detection",
    "factors",
    "root_cause",
    "went_well",
    "went_wrong",
    "got_lucky",
    "internal_summary",
    "caller_text",
)


@dataclass(frozen=True)
class TimelineLine:
    """One line of the timeline. `source` says where it came from: "audit" or "journal" (with
    the row's id: the evidence), or "manual" (added in the review). An edited line keeps its
    evidence and its generated text (`original`)."""

    at: datetime
    text: str
    kind: str  # logged, assignment, escalation, hold, resume, sla, journal, resolution, ...
    source: str = "manual"
    source_id: int | None = None
    hidden: bool = False
    original: str | None = None

    @property
    def evidence(self) -> str:
        if self.source == "manual":
            return "added in the review"
        return f"{self.source} #{self.source_id}"

    def edited(self, text: str) -> TimelineLine:
        clean = text.strip()
        if not clean:
            raise ValidationError("A timeline line needs some text", field="timeline")
        if self.source == "manual":
            return replace(self, text=clean)
        original = self.original if self.original is not None else self.text
        return replace(self, text=clean, original=original if clean != original else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "text": self.text,
            "kind": self.kind,
            "source": self.source,
            "source_id": self.source_id,
            "hidden": self.hidden,
            "original": self.original,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TimelineLine:
        return cls(
            at=datetime.fromisoformat(str(data["at"])),
            text=str(data["text"]),
            kind=str(data.get("kind", "note")),
            source=str(data.get("source", "manual")),
            source_id=data.get("source_id"),
            hidden=bool(data.get("hidden", False)),
            original=data.get("original"),
        )


@dataclass(frozen=True)
class ActionItem:
    kind: str  # ACTION_KINDS
    text: str
    owner: str
    due: str = ""  # ISO date, or empty
    problem_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "problem_number": self.problem_number,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionItem:
        return cls(
            str(data.get("kind", "")),
            str(data.get("text", "")),
            str(data.get("owner", "")),
            str(data.get("due", "")),
            data.get("problem_number"),
        )


@dataclass(frozen=True)
class Measures:
    """How long the desk took, from the incident's own instants: in wall time and in working
    time on the incident's business calendar (None: not reached yet, or no calendar)."""

    opened_at: datetime
    detected_at: datetime
    owned_at: datetime | None
    resolved_at: datetime | None
    own_wall_s: int | None
    own_business_s: int | None
    resolve_wall_s: int | None
    resolve_business_s: int | None
    detect_wall_s: int
    calendar: str | None


@dataclass(frozen=True)
class ReviewDraft:
    """What the wizard edits and saves in one write. `version` 0: not saved yet."""

    incident_id: int
    incident_number: str
    version: int
    state: ReviewState
    owner_id: int | None
    approver_id: int | None
    texts: Mapping[str, str]
    whys: tuple[str, ...]
    timeline: tuple[TimelineLine, ...]
    actions: tuple[ActionItem, ...]
    review_id: int | None = None
    owner_name: str | None = None
    approver_name: str | None = None
    approved_by: str | None = None
    updated_at: datetime | None = None
    title: str = ""
    measures: Measures | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return str(self.texts.get(name, "") or "")

    def visible_lines(self) -> list[TimelineLine]:
        return sorted((ln for ln in self.timeline if not ln.hidden), key=lambda ln: ln.at)


def page_problems(draft: ReviewDraft, page: Page) -> list[str]:
    """Why the page is not complete yet (empty: it is)."""
    reasons = [why for name, why in REQUIRED.get(page, ()) if not draft.text(name).strip()]
    if page is Page.TRIGGER:
        if draft.owner_id is None:
            reasons.insert(0, "Choose who runs the review (the owner)")
        if draft.approver_id is None:
            reasons.append("Choose who approves the review")
        elif draft.approver_id == draft.owner_id:
            reasons.append("The approver must be someone other than the owner")
    if page is Page.TIMELINE and not draft.visible_lines():
        reasons.append("Keep at least one line in the timeline")
    if page is Page.CAUSE and not any(w.strip() for w in draft.whys):
        reasons.append("Ask at least one why")
    if page is Page.ACTIONS:
        for n, item in enumerate(draft.actions, 1):
            if item.kind not in ACTION_KINDS:
                reasons.append(f"Action {n}: choose mitigate, prevent or process")
            if not item.text.strip():
                reasons.append(f"Action {n}: say what is to be done")
            if not item.owner.strip():
                reasons.append(f"Action {n}: name its owner")
            if item.due.strip():
                try:
                    date.fromisoformat(item.due.strip())
                except ValueError:
                    reasons.append(f"Action {n}: write the due date as YYYY-MM-DD")
    return reasons


def all_problems(draft: ReviewDraft) -> list[str]:
    return [f"{p.title}: {why}" for p in Page for why in page_problems(draft, p)]


def check_move(draft: ReviewDraft, to: ReviewState, actor_id: int, *, can_review: bool) -> None:
    """May `actor_id` move the review to `to`? The owner sends it for review (every page
    complete); someone else (a supervisor, the approver if one is named) approves it."""
    if to not in MOVES[draft.state]:
        allowed = [s.label for s in MOVES[draft.state]]
        raise IllegalTransition(
            draft.state.label,
            f"move a review to {to.label}",
            allowed,
            message=f"A review that is {draft.state.label} cannot go to {to.label}; "
            f"allowed: {', '.join(allowed) or 'none (the review is closed)'}",
        )
    if not can_review:
        raise PermissionDenied("Only a supervisor or an admin may change a review")
    if to is ReviewState.IN_REVIEW and draft.state is ReviewState.DRAFT:
        problems = all_problems(draft)
        if problems:
            raise ValidationError(
                "The review is not complete: " + "; ".join(problems), field="review"
            )
    if to is ReviewState.REVIEWED:
        if actor_id == draft.owner_id:
            raise PermissionDenied("The review's owner cannot approve their own review")
        if draft.approver_id is not None and actor_id != draft.approver_id:
            who = draft.approver_name or "the named approver"
            raise PermissionDenied(f"Only {who} may approve this review")


def duration_words(seconds: int | None) -> str:
    if seconds is None:
        return "not reached"
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{mins} min")
    return " ".join(parts)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _local(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _lines(text: str) -> list[str]:
    return [text.strip() or "_(not written)_", ""]


def to_markdown(draft: ReviewDraft, zone: tzinfo) -> str:
    """The review as one Markdown document, the timeline as a table with its evidence."""
    out = [
        f"# Post-incident review: {draft.incident_number} {draft.title}".rstrip(),
        "",
        f"- State: {draft.state.label}",
        f"- Owner: {draft.owner_name or '-'}",
        f"- Approver: {draft.approver_name or '-'}",
    ]
    if draft.approved_by:
        out.append(f"- Approved by: {draft.approved_by}")
    out += ["", "## Trigger", "", *_lines(draft.text("trigger"))]
    out += ["## Summary", "", *_lines(draft.text("summary"))]
    out += ["## Impact", "", *_lines(draft.text("impact"))]
    out += ["## Timeline", "", "| When | What | Evidence |", "| --- | --- | --- |"]
    for ln in draft.visible_lines():
        out.append(f"| {_local(ln.at, zone)} | {_md_cell(ln.text)} | {ln.evidence} |")
    out.append("")
    out += ["## Detection and response", ""]
    m = draft.measures
    if m is not None:
        cal = m.calendar or "no business calendar"
        out += [
            f"- Time to detect: {duration_words(m.detect_wall_s)}",
            f"- Time to own: {duration_words(m.own_wall_s)} wall, "
            f"{duration_words(m.own_business_s)} business ({cal})",
            f"- Time to resolve: {duration_words(m.resolve_wall_s)} wall, "
            f"{duration_words(m.resolve_business_s)} business ({cal})",
            "",
        ]
    if draft.text("detection").strip():
        out += _lines(draft.text("detection"))
    out += ["## Contributing factors", "", *_lines(draft.text("factors"))]
    out += ["## Root cause", ""]
    for n, why in enumerate((w for w in draft.whys if w.strip()), 1):
        out.append(f"{n}. Why? {why.strip()}")
    out += ["", *_lines(draft.text("root_cause"))]
    out += ["## Lessons", ""]
    out += ["### Went well", "", *_lines(draft.text("went_well"))]
    out += ["### Went wrong", "", *_lines(draft.text("went_wrong"))]
    out += ["### Got lucky", "", *_lines(draft.text("got_lucky"))]
    out += ["## Action items", ""]
    if draft.actions:
        out += ["| Kind | Action | Owner | Due | Problem |", "| --- | --- | --- | --- | --- |"]
        for a in draft.actions:
            out.append(
                f"| {a.kind} | {_md_cell(a.text)} | {_md_cell(a.owner)} | {a.due or '-'} "
                f"| {a.problem_number or '-'} |"
            )
        out.append("")
    else:
        out += ["_(none)_", ""]
    out += ["## Communication", "", "### Internal summary", ""]
    out += _lines(draft.text("internal_summary"))
    out += ["### For callers", "", *_lines(draft.text("caller_text"))]
    return "\n".join(out).rstrip() + "\n"


def seconds_between(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start) / timedelta(seconds=1)))


def clean_whys(whys: Iterable[str]) -> tuple[str, ...]:
    return tuple(w.strip() for w in whys)


def actions_from(items: Sequence[Mapping[str, Any]]) -> tuple[ActionItem, ...]:
    return tuple(ActionItem.from_json(i) for i in items)
