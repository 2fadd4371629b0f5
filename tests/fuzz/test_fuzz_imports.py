"""Import rows, generated: ServiceNow, BPI 2013 and generic CSV files (bad dates, unknown
states, missing columns, odd encodings, huge fields, NUL characters, broken quoting) go
through `import_file`, the wizard's and the command's way in, on both engines. The import
finishes, each problem is reported with a line of the file, and what cannot be read at all is
one ValidationError naming the file; never another exception."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from app.domain.csv_import import FIELDS, CsvMapping
from app.domain.errors import ValidationError
from app.domain.imports import BPI_USED, SERVICENOW_USED
from app.services import imports as import_service
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import ENCODINGS, NASTY, TEXT, encoded, one_in

TIMES = st.sampled_from(
    [
        "02/03/2026 09:15",
        "31/02/2026 09:15",
        "2026-03-02T09:15:00+01:00",
        "2026-03-02 09:15",
        "2026-03-02T09:15:00Z",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:00-01:00",  # after year 9999 in UTC
        "0001-01-01 00:00",
        "9999-12-31 23:59",
        "02/03/0001 00:00",
        "yesterday",
        "",
        "?",
        "2026-13-45",
    ]
)
SN_STATES = st.sampled_from(
    [
        "New",
        "Active",
        "Awaiting User Info",
        "Awaiting Vendor",
        "Resolved",
        "Closed",
        "Escalated",
        "",
    ]
)
BPI_STATUS = st.sampled_from(["Queued", "Accepted", "Completed", "Unknown", ""])
BPI_SUB = st.sampled_from(
    ["Awaiting Assignment", "In Progress", "Wait - User", "Resolved", "Closed", "?"]
)
LEVELS = st.sampled_from(["1 - High", "2 - Medium", "3 - Low", "1", "7", "High", "huge", "", "-1"])
NUMBERS = st.one_of(st.sampled_from(["INC0000001", "INC0000002", "T-1", "", "?"]), NASTY)
NAMES = st.one_of(
    st.sampled_from(["Service Desk", "Network", "Jane Roe", "", "?", "Hardware"]),
    NASTY,
    st.just("G" * 300),  # longer than a name column holds
)
COUNTS = st.sampled_from(["0", "3", "-1", "x", "", "99999999999999999999"])

SN_VALUES = {
    "number": NUMBERS,
    "incident_state": SN_STATES,
    "sys_updated_at": TIMES,
    "opened_at": TIMES,
    "resolved_at": TIMES,
    "closed_at": TIMES,
    "impact": LEVELS,
    "urgency": LEVELS,
    "sys_mod_count": COUNTS,
    "reassignment_count": COUNTS,
    "reopen_count": COUNTS,
    "contact_type": st.sampled_from(["Phone", "Email", "Carrier pigeon", ""]),
    "made_sla": st.sampled_from(["true", "false", "maybe", ""]),
}
BPI_VALUES = {
    "SR Number": NUMBERS,
    "Change Date+Time": TIMES,
    "Status": BPI_STATUS,
    "Sub Status": BPI_SUB,
    "ST Level": st.sampled_from(["L1", "L2", "L3", "L9", ""]),
    "SR Latest Impact": st.sampled_from(["Low", "Medium", "High", "Major", "Tiny", ""]),
}
CSV_COLUMNS = {f: f for f in FIELDS}  # a column for each field, named as the field
CSV_VALUES = {
    "number": NUMBERS,
    "title": st.one_of(NASTY, st.just("T" * 2000)),
    "state": st.sampled_from(
        ["New", "In Progress", "On Hold", "Resolved", "Closed", "Cancelled", "Escalated", ""]
    ),
    "impact": LEVELS,
    "urgency": LEVELS,
    "opened_at": TIMES,
    "updated_at": TIMES,
    "resolved_at": TIMES,
    "closed_at": TIMES,
    "channel": st.sampled_from(["phone", "e-mail", "walk-in", "carrier pigeon", ""]),
}
KINDS = {
    "servicenow": (SERVICENOW_USED, SN_VALUES),
    "bpi2013": (BPI_USED, BPI_VALUES),
    "csv": (tuple(CSV_COLUMNS), CSV_VALUES),
}
SN_TIME = st.sampled_from(["02/03/2026 09:15", "03/03/2026 17:40"])
ISO_TIME = st.sampled_from(["2026-03-02T09:15:00+01:00", "2026-03-03T17:40:00Z"])
GOOD_LEVEL = st.sampled_from(["1 - High", "2 - Medium", "3 - Low"])
GOOD_NAME = st.sampled_from(["Service Desk", "Network", "Jane Roe", "Hardware", "Printer"])
# values a row of each kind reads well with (a row is made of these, or is broken)
GOOD = {
    "servicenow": {
        "number": st.sampled_from(["INC0000001", "INC0000002"]),
        "incident_state": st.sampled_from(
            ["New", "Active", "Awaiting Vendor", "Resolved", "Closed"]
        ),
        "sys_updated_at": SN_TIME,
        "opened_at": SN_TIME,
        "resolved_at": SN_TIME,
        "closed_at": SN_TIME,
        "impact": GOOD_LEVEL,
        "urgency": GOOD_LEVEL,
        "sys_mod_count": st.sampled_from(["0", "1", "2"]),
    },
    "bpi2013": {
        "SR Number": st.sampled_from(["1-364285768", "1-109135791"]),
        "Change Date+Time": ISO_TIME,
        "Status": st.just("Accepted"),
        "Sub Status": st.sampled_from(["In Progress", "Assigned", "Wait - User"]),
        "ST Level": st.sampled_from(["L1", "L2"]),
        "SR Latest Impact": st.sampled_from(["Low", "Medium", "High", "Major"]),
    },
    "csv": {
        "number": st.sampled_from(["T-1", "T-2"]),
        "title": st.sampled_from(["Printer jams", "VPN drops"]),
        "state": st.sampled_from(["New", "In Progress", "Resolved", "Closed"]),
        "impact": GOOD_LEVEL,
        "urgency": GOOD_LEVEL,
        "opened_at": ISO_TIME,
        "updated_at": ISO_TIME,
        "resolved_at": ISO_TIME,
        "closed_at": ISO_TIME,
        "channel": st.sampled_from(["phone", "e-mail"]),
        "service": st.just(""),
    },
}
MAPPING = CsvMapping(CSV_COLUMNS, "fuzz")
NUMBER_COLUMNS = ("number", "SR Number")
CASES = itertools.count(1)


@st.composite
def log_files(draw: st.DrawFn, kind: str, tag: int) -> tuple[bytes, int]:
    """A log file of `kind` (its bytes) and its number of lines. Its incidents' numbers end
    with `tag`: each case imports anew what the desk of earlier cases has (a case replays)."""
    used, values = KINDS[kind]
    header = list(used)
    if one_in(draw, 5):  # a column missing
        del header[draw(st.integers(0, len(header) - 1))]
    if one_in(draw, 10):
        header.append(draw(NASTY))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = []
        broken = one_in(draw, 3)  # else every value reads well
        for column in header:
            if broken:
                strategy = values.get(column, NAMES)
                value = draw(st.one_of(strategy, TEXT) if draw(st.booleans()) else strategy)
            else:
                value = draw(GOOD[kind].get(column, GOOD_NAME))
            if column in NUMBER_COLUMNS and value not in ("", "?"):
                value = f"{value}-{tag}"
            row.append(value)
        if one_in(draw, 8):  # a short or a long row
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(TEXT, max_size=2))
        rows.append(row)
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    text = out.getvalue()
    if one_in(draw, 8):  # quoting broken somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + '"' + text[at:]
    data = encoded(text, draw(st.one_of(st.sampled_from(["utf-8", "utf-8-sig"]), ENCODINGS)))
    if one_in(draw, 8):
        data = gzip.compress(data)
        if draw(st.booleans()):
            data = data[: len(data) // 2]  # a damaged gzip file
    return data, text.count("\n") + text.count("\r") + 1


def import_or_refuse(desk: Desk, tmp: Path, kind: str, data: bytes, lines: int) -> None:
    path = tmp / f"{kind}.csv"
    path.write_bytes(data)
    mapping = MAPPING if kind == "csv" else None
    try:
        done = import_service.import_file(desk, desk.actor("dev"), kind, path, mapping=mapping)
    except ValidationError as exc:  # it names the file, or says "the file" (the one imported)
        assert str(path) in str(exc) or str(exc).startswith("The file has no column"), exc
        event(f"{kind}: refused whole")
        return
    event(f"{kind}: {'incidents' if done.incidents else 'no incident'} imported")
    event(f"{kind}: {'problems' if done.problems else 'no problem'} reported")
    for p in done.problems:
        assert 1 <= p.line <= lines, (p, lines)
        assert p.reason.strip(), p
    report = import_service.report_path(path)
    assert report.exists() == bool(done.problems)
    if report.exists():
        report.unlink()


SN_HEADER = "number,incident_state,sys_updated_at,opened_at,impact,urgency"
# files that broke an import once (each then fixed), as the explicit examples replay them
FOUND = {
    # a field over the csv module's limit (131,072 characters): csv.Error
    "huge field": (
        "servicenow",
        f"{SN_HEADER},location\nINC9001,New,02/03/2026 09:15,02/03/2026 09:15,1,1,{'x' * 200_000}\n",
    ),
    # names longer than their columns: PostgreSQL refused the whole batch
    "long names": (
        "servicenow",
        f"{SN_HEADER},caller_id,assignment_group\n"
        f"INC9011,New,02/03/2026 09:15,02/03/2026 09:15,1,1,{'C' * 201},Service Desk\n"
        f"INC9012,New,02/03/2026 09:15,02/03/2026 09:15,1,1,Jane Roe,{'G' * 121}\n"
        "INC9013,New,02/03/2026 09:15,02/03/2026 09:15,1,1,Jane Roe,Service Desk\n",
    ),
    # a time whose clocks run past the year 9999: OverflowError
    "year 9999": (
        "bpi2013",
        "SR Number,Change Date+Time,Status,Sub Status,Involved ST,ST Level\n"
        "1-1,9999-12-31T23:59:00-01:00,Accepted,In Progress,G1,L1\n",
    ),
    # updates in sys_mod_count's order going back in time: a pause ending before it starts
    "backwards": (
        "servicenow",
        f"{SN_HEADER},sys_mod_count\n"
        "INC9021,New,02/03/2026 09:15,02/03/2026 09:15,1,1,0\n"
        "INC9021,New,02/03/2026 09:15,02/03/2026 09:15,1,1,1\n"
        "INC9021,Awaiting Vendor,03/03/2026 17:40,02/03/2026 09:15,1,1,0\n",
    ),
    # counts too large for an INTEGER column (OverflowError), "²" (a digit to Python; ValueError)
    "counts": (
        "servicenow",
        f"{SN_HEADER},reassignment_count,reopen_count\n"
        "INC9041,New,02/03/2026 09:15,02/03/2026 09:15,1,1,99999999999999999999,²\n",
    ),
    # a lone carriage return in an unquoted field: csv.Error
    "lone CR": ("servicenow", f"{SN_HEADER}\nINC9051,New,02/03/2026 09:15,02/03/2026\r09:15,1,1\n"),
    # NUL characters: PostgreSQL refused the whole batch
    "nul": (
        "csv",
        ",".join(CSV_COLUMNS)
        + "\n"
        + ",".join(
            {
                "number": "T-9031\x00",
                "title": "Printer\x00 jams",
                "caller": "Jane\x00 Roe",
                "group": "Service\x00 Desk",
                "state": "New",
                "opened_at": "2026-03-02T09:15:00+01:00",
            }.get(f, "")
            for f in CSV_COLUMNS
        )
        + "\n",
    ),
}


@cases(ci=20, long=2000)
@given(kind=st.sampled_from(sorted(KINDS)), file=st.data())
@example(kind="huge field", file=None)
@example(kind="long names", file=None)
@example(kind="year 9999", file=None)
@example(kind="backwards", file=None)
@example(kind="nul", file=None)
@example(kind="counts", file=None)
@example(kind="lone CR", file=None)
def test_an_import_finishes_and_reports_bad_rows_by_line(
    desk: Desk, tmp_path_factory: pytest.TempPathFactory, kind: str, file: st.DataObject | None
) -> None:
    if file is None:
        kind, text = FOUND[kind]
        data, lines = text.encode(), text.count("\n") + 1
    else:
        data, lines = file.draw(log_files(kind, next(CASES)))
    import_or_refuse(desk, tmp_path_factory.mktemp("import"), kind, data, lines)
