"""A CSV file from any tool, read into incidents through a column mapping (which column holds
which field). Plain values only: the services look up the names and write the incidents.

The mapping (README, "Generic CSV import") is JSON::

    {"source": "oldtool",
     "columns": {"Ticket": "number", "Summary": "title", "Opened": "opened_at", ...},
     "date_format": "%d/%m/%Y %H:%M"}

``columns`` maps a column of the file to one of FIELDS (columns not named are not imported);
``number`` and ``title`` are required. ``source`` (default "csv") names where the incidents come
from: a second import of the same source skips the numbers it has. ``date_format`` (optional,
a strftime pattern) is tried before ISO 8601 and the usual ``d/m/Y H:M`` forms.

A file may have one row per incident, or several (an event log: the number repeats, each row the
incident at its ``updated_at``); the last row gives the title and the other fields, every row a
step of the history. A row whose state, time or level cannot be read is reported with its line:
an unknown state skips the row, an unknown level or channel is left at its default."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from app.domain import inbound
from app.domain.errors import ValidationError
from app.domain.imports import (
    ImportedIncident,
    Problem,
    ReadLog,
    Step,
    TimeOutOfRange,
    check_year,
    csv_reader,
    csv_rows,
)
from app.domain.lifecycle import HoldReason, State

# field -> what a user reads (the wizard's labels, the README's table)
FIELDS: Mapping[str, str] = {
    "number": "Number (the source's key)",
    "title": "Title",
    "description": "Description",
    "caller": "Caller",
    "category": "Category",
    "subcategory": "Subcategory",
    "service": "Service",
    "group": "Group",
    "impact": "Impact",
    "urgency": "Urgency",
    "state": "State",
    "channel": "Channel",
    "opened_at": "Opened at",
    "updated_at": "Updated at (one row per change)",
    "resolved_at": "Resolved at",
    "closed_at": "Closed at",
    "resolution_notes": "Resolution notes",
}
REQUIRED = ("number", "title")
DEFAULT_SOURCE = "csv"

# header words that suggest a field (the wizard's and the command's guess)
_GUESS: Mapping[str, tuple[str, ...]] = {
    "number": ("number", "id", "ticket", "key", "incident", "ref", "reference", "sr number"),
    "title": ("title", "summary", "subject", "short description", "short_description", "name"),
    "description": ("description", "details", "body", "text"),
    "caller": ("caller", "caller_id", "reporter", "requester", "requested by", "opened by"),
    "category": ("category",),
    "subcategory": ("subcategory", "sub category", "sub_category"),
    "service": ("service", "cmdb_ci", "ci", "configuration item", "business service"),
    "group": ("group", "assignment group", "assignment_group", "team", "queue", "involved st"),
    "impact": ("impact",),
    "urgency": ("urgency",),
    "state": ("state", "status", "incident_state"),
    "channel": ("channel", "contact type", "contact_type", "source"),
    "opened_at": ("opened", "opened at", "opened_at", "created", "created at", "created_at"),
    "updated_at": ("updated", "updated at", "updated_at", "sys_updated_at", "changed", "modified"),
    "resolved_at": ("resolved", "resolved at", "resolved_at", "solved"),
    "closed_at": ("closed", "closed at", "closed_at"),
    "resolution_notes": ("resolution notes", "resolution_notes", "resolution", "close notes"),
}

def _words(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


STATES: Mapping[str, tuple[State, HoldReason | None]] = {
    "new": (State.NEW, None),
    "open": (State.NEW, None),
    "queued": (State.NEW, None),
    "in progress": (State.IN_PROGRESS, None),
    "active": (State.IN_PROGRESS, None),
    "assigned": (State.IN_PROGRESS, None),
    "work in progress": (State.IN_PROGRESS, None),
    "on hold": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "pending": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "awaiting caller": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "awaiting user info": (State.ON_HOLD, HoldReason.AWAITING_CALLER),
    "awaiting vendor": (State.ON_HOLD, HoldReason.AWAITING_VENDOR),
    "awaiting change": (State.ON_HOLD, HoldReason.AWAITING_CHANGE),
    "awaiting problem": (State.ON_HOLD, HoldReason.AWAITING_PROBLEM),
    "resolved": (State.RESOLVED, None),
    "solved": (State.RESOLVED, None),
    "closed": (State.CLOSED, None),
    "cancelled": (State.CANCELLED, None),
    "canceled": (State.CANCELLED, None),
}
CHANNELS: Mapping[str, str] = {
    "phone": "phone",
    "telephone": "phone",
    "call": "phone",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "self service": "self-service",
    "self-service": "self-service",
    "portal": "self-service",
    "web": "self-service",
    "monitoring": "monitoring",
    "alert": "monitoring",
    "event": "monitoring",
    "walk-in": "walk-in",
    "walk in": "walk-in",
    "chat": "chat",
}
LEVELS: Mapping[str, int] = {
    "critical": 1,
    "very high": 1,
    "high": 1,
    "medium": 2,
    "moderate": 2,
    "low": 3,
    "very low": 3,
}
_STATES = {_words(k): v for k, v in STATES.items()}
_CHANNELS = {_words(k): v for k, v in CHANNELS.items()}
_LEVEL = re.compile(r"^\s*(\d+)\b")
_TIME_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d",
)


@dataclass(frozen=True)
class CsvMapping:
    columns: Mapping[str, str]  # column of the file -> field
    source: str = DEFAULT_SOURCE
    date_format: str | None = None

    def column_of(self, name: str) -> str | None:
        for column, target in self.columns.items():
            if target == name:
                return column
        return None

    def check(self, header: Iterable[str] | None = None) -> None:
        """Refuse an unknown field, a field given twice, a missing required field, or (with
        `header`) a column the file does not have, each named."""
        seen: dict[str, str] = {}
        for column, target in self.columns.items():
            if target not in FIELDS:
                raise ValidationError(
                    f"Column {column!r} is mapped to {target!r}, which is not a field "
                    f"(fields: {', '.join(FIELDS)})",
                    field="mapping",
                )
            if target in seen:
                raise ValidationError(
                    f"Both {seen[target]!r} and {column!r} are mapped to {target}",
                    field="mapping",
                )
            seen[target] = column
        missing = [f for f in REQUIRED if f not in seen]
        if missing:
            raise ValidationError(
                f"The mapping gives no column for {', '.join(missing)} (required)",
                field="mapping",
            )
        if header is not None:
            have = set(header)
            absent = [c for c in self.columns if c not in have]
            if absent:
                raise ValidationError(
                    f"The file has no column {', '.join(map(repr, absent))} "
                    f"(its columns: {', '.join(header)})",
                    field="mapping",
                )
        if not self.source.strip() or len(self.source) > 30:
            raise ValidationError(
                "The mapping's source is a name of 1 to 30 characters", field="mapping"
            )

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"source": self.source, "columns": dict(self.columns)}
        if self.date_format:
            out["date_format"] = self.date_format
        return out


def mapping_from_json(data: object, where: str = "the mapping") -> CsvMapping:
    """A mapping from its JSON form (parsed), refused with what is wrong and where."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ValidationError(
            f'{where}: expected {{"columns": {{"column": "field", ...}}, "source": ...}}',
            field="mapping",
        )
    columns = data["columns"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise ValidationError(f"{where}: every column maps to a field name", field="mapping")
    source = data.get("source", DEFAULT_SOURCE)
    date_format = data.get("date_format")
    if not isinstance(source, str) or (
        date_format is not None and not isinstance(date_format, str)
    ):
        raise ValidationError(f"{where}: source and date_format are text", field="mapping")
    return CsvMapping(dict(columns), source.strip(), date_format or None)


def parse_mapping(text: str, where: str = "the mapping") -> CsvMapping:
    try:
        data = inbound.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{where}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            field="mapping",
        ) from None
    return mapping_from_json(data, where)


def guess_mapping(header: Iterable[str], source: str = DEFAULT_SOURCE) -> CsvMapping:
    """Each field the header's names suggest (a name equal to a field or one of its usual
    names; then a name containing one), each column and field used once."""
    names = list(header)
    taken: set[str] = set()
    columns: dict[str, str] = {}
    for exact in (True, False):
        for target, hints in _GUESS.items():
            if target in columns.values():
                continue
            for name in names:
                if name in taken:
                    continue
                words = _words(name)
                candidates = (_words(target), *(_words(h) for h in hints))
                if (
                    (words in candidates)
                    if exact
                    else any(
                        len(c) > 3 and re.search(rf"\b{re.escape(c)}\b", words) for c in candidates
                    )
                ):
                    columns[name] = target
                    taken.add(name)
                    break
    return CsvMapping(columns, source)


def header_of(text: str) -> list[str]:
    """The column names of a CSV text (stripped), [] for an empty one."""
    reader = csv_reader(text)
    return [h.strip() for h in next(reader, [])]


def preview(text: str, rows: int = 20) -> tuple[list[str], list[list[str]]]:
    """The header and the first `rows` rows, as the file has them."""
    reader = csv_reader(text)
    header = [h.strip() for h in next(reader, [])]
    out: list[list[str]] = []
    for row in reader:
        if len(out) >= rows:
            break
        if row:
            out.append([v.strip() for v in row])
    return header, out


@dataclass
class _Reader:
    mapping: CsvMapping
    zone: tzinfo
    problems: list[Problem] = field(default_factory=list)
    seen: dict[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.column = {target: column for column, target in self.mapping.columns.items()}

    def value(self, row: Mapping[str, str], name: str) -> str | None:
        column = self.column.get(name)
        if column is None:
            return None
        return row.get(column) or None

    def time(self, text: str) -> datetime | None:
        found = self.seen.get(text)
        if found is not None:
            return found
        at: datetime | None = None
        formats = (self.mapping.date_format,) if self.mapping.date_format else ()
        for fmt in formats:
            try:
                at = datetime.strptime(text, fmt)
                break
            except ValueError:
                pass
        if at is None:
            try:
                at = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                for fmt in _TIME_FORMATS:
                    try:
                        at = datetime.strptime(text, fmt)
                        break
                    except ValueError:
                        pass
        if at is None:
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.zone)
        self.seen[text] = check_year(at)
        return at

    def when(self, row: Mapping[str, str], name: str, line: int, number: str) -> datetime | None:
        text = self.value(row, name)
        if text is None:
            return None
        try:
            at = self.time(text)
        except TimeOutOfRange as exc:
            self.problems.append(Problem(line, f"{number}: {name} {text!r} {exc}; left empty"))
            return None
        if at is None:
            self.problems.append(
                Problem(line, f"{number}: {name} {text!r} is not a date and time; left empty")
            )
        return at

    def level(self, row: Mapping[str, str], name: str, line: int, number: str) -> int | None:
        text = self.value(row, name)
        if text is None:
            return None
        m = _LEVEL.match(text)
        if m:
            return int(m.group(1))
        level = LEVELS.get(_words(text))
        if level is None:
            self.problems.append(
                Problem(line, f"{number}: {name} {text!r} is not a level; left at the default")
            )
        return level


def read_csv(text: str, mapping: CsvMapping, zone: tzinfo) -> ReadLog:
    """The incidents of a CSV text by `mapping`; problems with their line numbers."""
    out = ReadLog()
    rows = list(csv_rows(text, mapping.columns))
    out.rows = len(rows)
    mapping.check(header_of(text))
    r = _Reader(mapping, zone)
    number_col = mapping.column_of("number")
    assert number_col is not None  # checked
    runs: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows:
        number = row.get(number_col, "")
        if not number:
            r.problems.append(Problem(line, "no number: row skipped"))
            continue
        if len(number) > 100:
            r.problems.append(
                Problem(line, f"{number[:20]}…: a number of more than 100 characters: row skipped")
            )
            continue
        runs.setdefault(number, []).append((line, row))
    for number, run in runs.items():
        steps: list[tuple[datetime, int, Step]] = []
        good: list[tuple[int, dict[str, str]]] = []
        opened: datetime | None = None
        for line, row in run:
            state_text = r.value(row, "state")
            state, hold = (
                (State.NEW, None)
                if state_text is None
                else _STATES.get(_words(state_text), (None, None))
            )
            if state is None:
                r.problems.append(
                    Problem(line, f"{number}: unknown state {state_text!r}; row skipped")
                )
                continue
            row_opened = r.when(row, "opened_at", line, number)
            at = (
                r.when(row, "updated_at", line, number) if mapping.column_of("updated_at") else None
            )
            if at is None:
                at = row_opened
            if at is None:
                r.problems.append(
                    Problem(
                        line, f"{number}: no opened_at or updated_at to place it; row skipped"
                    )
                )
                continue
            opened = (
                row_opened if opened is None or (row_opened and row_opened < opened) else opened
            )
            impact = r.level(row, "impact", line, number)
            urgency = r.level(row, "urgency", line, number)
            group = r.value(row, "group")
            steps.append((at, line, Step(line, at, state, hold, group, 1, impact, urgency)))
            good.append((line, row))
        if not good:
            continue
        steps.sort(key=lambda s: (s[0], s[1]))
        last_line, last = good[-1]
        first_at = steps[0][0]
        opened = min(opened or first_at, first_at)
        resolved = r.when(last, "resolved_at", last_line, number)
        closed = r.when(last, "closed_at", last_line, number)
        timeline = [s for _, _, s in steps]
        if len(run) == 1 and mapping.column_of("updated_at") is None:
            timeline = _single_row_history(timeline[0], opened, resolved, closed)
        channel_text = r.value(last, "channel")
        channel = _CHANNELS.get(_words(channel_text)) if channel_text else "phone"
        if channel is None:
            r.problems.append(
                Problem(last_line, f"{number}: unknown channel {channel_text!r}; phone kept")
            )
            channel = "phone"
        category = tuple(p for p in (r.value(last, "category"), r.value(last, "subcategory")) if p)
        out.incidents.append(
            ImportedIncident(
                source=mapping.source,
                external_id=number,
                title=r.value(last, "title") or number,
                description=r.value(last, "description") or "",
                opened_at=opened,
                steps=tuple(timeline),
                first_line=min(line for line, _ in good),
                last_line=max(line for line, _ in good),
                caller=r.value(last, "caller"),
                channel=channel,
                category=category,
                service=r.value(last, "service"),
                resolved_at=resolved,
                closed_at=closed,
                resolution_notes=r.value(last, "resolution_notes"),
            )
        )
    out.problems = sorted(r.problems, key=lambda p: p.line)  # stable: in the order found
    return out


def _single_row_history(
    step: Step, opened: datetime, resolved: datetime | None, closed: datetime | None
) -> list[Step]:
    """One row that says where an incident ended: logged at its opening, then its state at the
    time the row gives for it (resolved, then closed)."""
    first = Step(step.line, opened, State.NEW, None, step.group, 1, step.impact, step.urgency)
    state = step.state
    if state is State.NEW:
        return [first]
    out = [first]
    if state in (State.RESOLVED, State.CLOSED):
        at = resolved or closed or opened
        out.append(Step(step.line, max(at, opened), State.RESOLVED, None, step.group))
        if state is State.CLOSED:
            end = closed or at
            out.append(Step(step.line, max(end, at, opened), State.CLOSED, None, step.group))
        return out
    if state is State.CANCELLED:
        at = closed or opened
        out.append(Step(step.line, max(at, opened), State.CANCELLED, None, step.group))
        return out
    out.append(Step(step.line, opened, state, step.hold_reason, step.group))  # no time for it
    return out
