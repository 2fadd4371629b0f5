"""Incident logs from other tools, read into plain values: each incident with its steps (every
status change, assignment and priority of the log, with the line it came from), and the
problems found (a line number and the reason). The services write them; nothing here touches
a database.

What each source's values become (README, "Importing"):

ServiceNow incident audit export (one row per update, ``number`` repeating): incident_state
New -> New, Active -> In Progress, Awaiting User Info and Awaiting Evidence -> On Hold (awaiting
caller), Awaiting Vendor -> On Hold (awaiting vendor), Awaiting Problem -> On Hold (awaiting
problem), Resolved, Closed; any other value (the full log has ``-100``) is reported with its
line and that row is skipped. Dates ``d/m/Y H:M`` are read in the desk's time zone; ``?`` is no
value. The title is the category, subcategory and symptom (the log has no free text).
closed_code (``code 6``) has no public meaning: the incident gets "Solution provided" and the
code goes into the resolution notes.

BPI Challenge 2013 (Volvo IT): Status/Sub Status Queued/Awaiting Assignment -> New,
Accepted/In Progress and Accepted/Assigned -> In Progress, Accepted/Wait - User and Wait -
Customer -> On Hold (awaiting caller), Wait - Vendor and Wait -> On Hold (awaiting vendor), Wait
- Implementation -> On Hold (awaiting change), Completed/Resolved and Completed/In Call ->
Resolved, Completed/Closed -> Closed, Completed/Cancelled -> Cancelled; Unmatched or anything
else is reported and skipped. Involved ST (the team) is the group, ST Level its support line
(L1, L2, L3; L2/L3 -> 2). SR Latest Impact Low/Medium/High/Major -> impact and urgency 3/2/1/1,
Major also marks a major incident. The title is the product and country.
"""

from __future__ import annotations

import _csv
import csv
import io
import operator
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from app.domain import inbound
from app.domain.lifecycle import HoldReason, State


@dataclass(frozen=True)
class Step:
    """One row of the log: the incident as that row has it."""

    line: int
    at: datetime
    state: State
    hold_reason: HoldReason | None = None
    group: str | None = None
    group_line: int = 1
    impact: int | None = None
    urgency: int | None = None


@dataclass(frozen=True)
class ImportedIncident:
    source: str
    external_id: str
    title: str
    opened_at: datetime
    steps: tuple[Step, ...]
    first_line: int
    last_line: int
    description: str = ""
    caller: str | None = None
    channel: str = "phone"
    category: tuple[str, ...] = ()  # ("Category 55", "Subcategory 170")
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_notes: str | None = None
    reassignment_count: int | None = None  # None: counted from the steps
    reopen_count: int | None = None
    change_ref: str | None = None
    major: bool = False
    made_sla: bool | None = None  # the source's own SLA verdict (ServiceNow's made_sla)
    service: str | None = None  # the affected service or CI, by name (the desk's own)


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


@dataclass
class ReadLog:
    incidents: list[ImportedIncident] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


def csv_reader(text: str) -> _csv.Reader:
    """csv.reader over a CSV text, a byte-order mark dropped. No field is longer than the text,
    so the csv module's field limit (131,072 characters, for the whole process; a long
    description would pass it) is raised to the text's length: it is only ever raised."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    text = inbound.text(text)  # NUL characters dropped (app.domain.inbound)
    # universal newlines: a lone carriage return ends a line, as it did on old Macs (csv
    # refuses one in an unquoted field otherwise)
    return csv.reader(io.StringIO(text[1:] if text.startswith("\ufeff") else text, newline=None))


def csv_rows(text: str, keep: Iterable[str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number in the file, row) of a CSV text with a header (a byte-order mark dropped),
    as csv.DictReader reads it: values stripped, a short row filled with "", a long one's extra
    values dropped, blank lines skipped. With `keep`, each row holds only those columns (the
    ones a reader uses: a row of a wide export costs less)."""
    reader = csv_reader(text)
    header = next(reader, None)
    if header is None:
        return
    names = [k.strip() for k in header]
    width = len(names)
    wanted = set(keep) if keep is not None else None
    pairs = [(i, k) for i, k in enumerate(names) if wanted is None or k in wanted]
    if len(pairs) == width:  # every column: the row as it is
        for row in reader:
            if not row:
                continue
            if len(row) != width:
                row = (row + [""] * width)[:width]
            yield reader.line_num, dict(zip(names, map(str.strip, row), strict=True))
        return
    keys = [k for _, k in pairs]
    if not pairs:
        for row in reader:
            if row:
                yield reader.line_num, {}
        return
    pick = operator.itemgetter(*(i for i, _ in pairs))
    single = len(pairs) == 1
    for row in reader:
        if not row:
            continue
        if len(row) != width:
            row = (row + [""] * width)[:width]
        values = (pick(row),) if single else pick(row)
        yield reader.line_num, dict(zip(keys, map(str.strip, values), strict=True))


def _group_runs(
    rows: Iterable[tuple[int, dict[str, str]]], key: str
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """Rows grouped by `key`, in the order each key first appears (rows of one incident need
    not be adjacent)."""
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows:
        groups.setdefault(row.get(key, ""), []).append((line, row))
    yield from groups.values()


_LEVEL_RE = re.compile(r"^\s*(\d+)\s*-")


def _level(text: str) -> int | None:
    m = _LEVEL_RE.match(text)
    return int(m.group(1)) if m else None


MAX_COUNT = 2**31 - 1  # what an INTEGER column holds on both engines


def _count(text: str) -> int | None:
    """A count the source kept (ASCII digits, at most MAX_COUNT), else None: the desk counts
    from the history ("²" is a digit to Python, and not a number to int)."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_COUNT else None


def _none(text: str) -> str | None:
    return None if text in ("", "?") else text


# -- ServiceNow -----------------------------------------------------------------------------

SERVICENOW_STATES: Mapping[str, tuple[State, HoldReason | None]] = {
    "New": (State.NEW, None),
    "Active": (State.IN_PROGRESS, None),
    "Awaiting User Info": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "Awaiting Evidence": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "Awaiting Vendor": (State.ON_HOLD, HoldReason.AWAITING_VENDOR),
    "Awaiting Problem": (State.ON_HOLD, HoldReason.AWAITING_PROBLEM),
    "Resolved": (State.RESOLVED, None),
    "Closed": (State.CLOSED, None),
}
SERVICENOW_CHANNELS = {
    "Phone": "phone",
    "Email": "email",
    "Self service": "self-service",
    "Walk-in": "walk-in",
    "IVR": "phone",
    "Direct opening": "walk-in",
}
SERVICENOW_COLUMNS = (
    "number",
    "incident_state",
    "sys_updated_at",
    "opened_at",
    "impact",
    "urgency",
)

# every column the reader looks at (the others are not kept)
SERVICENOW_USED = (
    *SERVICENOW_COLUMNS,
    "sys_mod_count",
    "assignment_group",
    "category",
    "subcategory",
    "u_symptom",
    "closed_code",
    "resolved_by",
    "cmdb_ci",
    "location",
    "caller_id",
    "contact_type",
    "resolved_at",
    "closed_at",
    "reassignment_count",
    "reopen_count",
    "rfc",
    "made_sla",
)


FIRST_YEAR, LAST_YEAR = 1900, 2999  # an imported time outside is a mistake (the clocks
# would run past the calendar's end: 31/12/9999 plus a resolution target is no date)


class TimeOutOfRange(ValueError):
    """A time that reads, but outside the years FIRST_YEAR to LAST_YEAR."""

    def __init__(self) -> None:
        super().__init__(f"is outside the years {FIRST_YEAR} to {LAST_YEAR}")


def check_year(at: datetime) -> datetime:
    """`at`, or TimeOutOfRange (its year, where it was written, decides)."""
    if not FIRST_YEAR <= at.year <= LAST_YEAR:
        raise TimeOutOfRange
    return at


def _said(exc: ValueError, otherwise: str) -> str:
    """What is wrong with a time: out of range, else `otherwise` ("is not d/m/Y H:M")."""
    return str(exc) if isinstance(exc, TimeOutOfRange) else otherwise


# what strptime's "%d/%m/%Y %H:%M" reads, in its plainest form, read without it (ten times as fast)
_SN_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d\d)\Z")


def _sn_time(text: str, zone: tzinfo, seen: dict[str, datetime] | None = None) -> datetime:
    """A `d/m/Y H:M` time in `zone`; `seen` keeps those already read (a log repeats them)."""
    if seen is not None:
        found = seen.get(text)
        if found is not None:
            return found
    m = _SN_TIME.match(text)
    if m is None:  # strptime's own answer (and error) for anything less plain
        at = datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=zone)
    else:
        day, month, year, hour, minute = map(int, m.groups())
        at = datetime(year, month, day, hour, minute, tzinfo=zone)  # ValueError as strptime's
    if seen is not None:
        seen[text] = at
    return at


def read_servicenow(text: str, zone: tzinfo) -> ReadLog:
    out = ReadLog()
    seen: dict[str, datetime] = {}
    rows = list(csv_rows(text, SERVICENOW_USED))
    out.rows = len(rows)
    if rows:
        missing = [c for c in SERVICENOW_COLUMNS if c not in rows[0][1]]
        if missing:
            out.problems.append(
                Problem(1, f"not a ServiceNow incident export: no column {', '.join(missing)}")
            )
            return out
    for run in _group_runs(rows, "number"):
        steps: list[tuple[int, int, Step]] = []
        good: list[tuple[int, int, dict[str, str]]] = []  # (sys_mod_count, line, row)
        for line, row in run:
            state = SERVICENOW_STATES.get(row["incident_state"])
            if state is None:
                out.problems.append(
                    Problem(
                        line,
                        f"{row['number']}: unknown incident_state {row['incident_state']!r}; row skipped",
                    )
                )
                continue
            try:
                at = check_year(_sn_time(row["sys_updated_at"], zone, seen))
            except ValueError as exc:
                out.problems.append(
                    Problem(
                        line,
                        f"{row['number']}: sys_updated_at {row['sys_updated_at']!r} "
                        f"{_said(exc, 'is not d/m/Y H:M')}; row skipped",
                    )
                )
                continue
            try:
                mods = int(row.get("sys_mod_count") or 0)
            except ValueError:
                mods = 0
            steps.append(
                (
                    mods,
                    line,
                    Step(
                        line=line,
                        at=at,
                        state=state[0],
                        hold_reason=state[1],
                        group=_none(row.get("assignment_group", "")),
                        impact=_level(row["impact"]),
                        urgency=_level(row["urgency"]),
                    ),
                )
            )
            good.append((mods, line, row))
        if not good:
            continue
        steps.sort(key=lambda s: (s[0], s[2].at, s[1]))
        # in sys_mod_count's order, an update dated before the one it follows is left out
        # (the clocks cannot run backwards)
        kept: list[tuple[int, int, Step]] = []
        for mods, line, step in steps:
            if kept and step.at < kept[-1][2].at:
                out.problems.append(
                    Problem(
                        line,
                        f"{run[0][1]['number']}: sys_mod_count {mods} is dated "
                        f"{step.at:%d/%m/%Y %H:%M}, before the update it follows "
                        f"({kept[-1][2].at:%d/%m/%Y %H:%M}, line {kept[-1][1]}); row skipped",
                    )
                )
                continue
            kept.append((mods, line, step))
        steps = kept
        good = [g for g in good if any(g[1] == line for _, line, _ in kept)]
        _, last_line, last = max(good, key=lambda g: (g[0], g[1]))  # its latest update
        number = last["number"]
        try:
            opened = check_year(_sn_time(last["opened_at"], zone, seen))
        except ValueError as exc:
            out.problems.append(
                Problem(
                    last_line,
                    f"{number}: opened_at {last['opened_at']!r} "
                    f"{_said(exc, 'is not d/m/Y H:M')}; incident skipped",
                )
            )
            continue

        def when(name: str, row: dict[str, str] = last, line: int = last_line) -> datetime | None:
            value = _none(row.get(name, ""))
            if value is None:
                return None
            try:
                return check_year(_sn_time(value, zone, seen))
            except ValueError as exc:
                said = _said(exc, "is not d/m/Y H:M")
                out.problems.append(
                    Problem(line, f"{row['number']}: {name} {value!r} {said}; left empty")
                )
                return None

        parts = [
            p
            for p in (_none(last.get(k, "")) for k in ("category", "subcategory", "u_symptom"))
            if p
        ]
        code = _none(last.get("closed_code", ""))
        by = _none(last.get("resolved_by", ""))
        notes = (
            "Imported from ServiceNow"
            + (f": closed_code {code}" if code else "")
            + (f", {by}" if by else "")
        )
        out.incidents.append(
            ImportedIncident(
                source="servicenow",
                external_id=number,
                title=" · ".join(parts) or number,
                description=f"Imported from ServiceNow {number}"
                + (f"; service {last['cmdb_ci']}" if _none(last.get("cmdb_ci", "")) else "")
                + (f"; location {last['location']}" if _none(last.get("location", "")) else ""),
                opened_at=opened,
                steps=tuple(s for _, _, s in steps),
                first_line=min(line for _, line, _ in good),
                last_line=max(line for _, line, _ in good),
                caller=_none(last.get("caller_id", "")),
                channel=SERVICENOW_CHANNELS.get(last.get("contact_type", ""), "phone"),
                category=tuple(
                    p
                    for p in (_none(last.get("category", "")), _none(last.get("subcategory", "")))
                    if p
                ),
                resolved_at=when("resolved_at"),
                closed_at=when("closed_at"),
                resolution_notes=notes,
                reassignment_count=_count(last.get("reassignment_count", "")),
                reopen_count=_count(last.get("reopen_count", "")),
                change_ref=(_none(last.get("rfc", "")) or None),
                made_sla={"true": True, "false": False}.get(last.get("made_sla", "").lower()),
            )
        )
    return out


# -- BPI Challenge 2013 ---------------------------------------------------------------------

BPI_STATES: Mapping[tuple[str, str], tuple[State, HoldReason | None]] = {
    ("Queued", "Awaiting Assignment"): (State.NEW, None),
    ("Accepted", "In Progress"): (State.IN_PROGRESS, None),
    ("Accepted", "Assigned"): (State.IN_PROGRESS, None),
    ("Accepted", "Wait - User"): (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    ("Accepted", "Wait - Customer"): (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    ("Accepted", "Wait - Vendor"): (State.ON_HOLD, HoldReason.AWAITING_VENDOR),
    ("Accepted", "Wait"): (State.ON_HOLD, HoldReason.AWAITING_VENDOR),
    ("Accepted", "Wait - Implementation"): (State.ON_HOLD, HoldReason.AWAITING_CHANGE),
    ("Completed", "Resolved"): (State.RESOLVED, None),
    ("Completed", "In Call"): (State.RESOLVED, None),
    ("Completed", "Closed"): (State.CLOSED, None),
    ("Completed", "Cancelled"): (State.CANCELLED, None),
}
BPI_IMPACT = {"Low": 3, "Medium": 2, "High": 1, "Major": 1}
BPI_LINES = {"L1": 1, "L2": 2, "L3": 3, "L2/L3": 2}
BPI_COLUMNS = ("SR Number", "Change Date+Time", "Status", "Sub Status", "Involved ST", "ST Level")
BPI_USED = (
    *BPI_COLUMNS,
    "SR Latest Impact",
    "Product",
    "Country",
    "Owner First Name",
    "Owner Country",
)


def read_bpi2013(text: str) -> ReadLog:
    out = ReadLog()
    rows = list(csv_rows(text, BPI_USED))
    out.rows = len(rows)
    if rows:
        missing = [c for c in BPI_COLUMNS if c not in rows[0][1]]
        if missing:
            out.problems.append(
                Problem(1, f"not the BPI 2013 incident log: no column {', '.join(missing)}")
            )
            return out
    for run in _group_runs(rows, "SR Number"):
        steps: list[Step] = []
        last: dict[str, str] | None = None
        for line, row in run:
            sr = row["SR Number"]
            state = BPI_STATES.get((row["Status"], row["Sub Status"]))
            if state is None:
                out.problems.append(
                    Problem(
                        line,
                        f"{sr}: unknown status {row['Status']}/{row['Sub Status']}; row skipped",
                    )
                )
                continue
            try:
                at = datetime.fromisoformat(row["Change Date+Time"])
                if at.tzinfo is None:
                    raise ValueError("no offset")
                check_year(at)
            except ValueError as exc:
                said = _said(exc, "is not ISO 8601 with an offset")
                out.problems.append(
                    Problem(
                        line,
                        f"{sr}: Change Date+Time {row['Change Date+Time']!r} {said}; row skipped",
                    )
                )
                continue
            impact = BPI_IMPACT.get(row.get("SR Latest Impact", ""))
            steps.append(
                Step(
                    line=line,
                    at=at,
                    state=state[0],
                    hold_reason=state[1],
                    group=_none(row["Involved ST"]),
                    group_line=BPI_LINES.get(row["ST Level"], 1),
                    impact=impact,
                    urgency=impact,
                )
            )
            last = row
        if not steps or last is None:
            continue
        steps.sort(key=lambda s: (s.at, s.line))
        sr = last["SR Number"]
        impact_name = last.get("SR Latest Impact", "")
        out.incidents.append(
            ImportedIncident(
                source="bpi2013",
                external_id=sr,
                title=f"{last.get('Product') or 'Incident'} ({last.get('Country') or '?'})",
                description=f"Imported from the BPI 2013 log, SR {sr}; impact {impact_name or '?'}; "
                f"owner {last.get('Owner First Name') or '?'} ({last.get('Owner Country') or '?'})",
                opened_at=steps[0].at,
                steps=tuple(steps),
                first_line=steps[0].line,
                last_line=max(s.line for s in steps),
                major=impact_name == "Major",
                resolution_notes="Imported from the BPI 2013 log",
            )
        )
    return out
