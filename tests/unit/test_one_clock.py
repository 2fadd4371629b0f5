"""One clock: rules and views read the desk's (`desk.now()`) and the site's zone (`desk.zone`),
never the machine's clock or zone; and nothing reads the database server's clock, whose now() is
neither the desk's nor the travelled one of a test (tests/conftest.py's --travel)."""

from __future__ import annotations

import re
from pathlib import Path

from app.models import Base

APP = Path(__file__).resolve().parents[2] / "app"

MACHINE_CLOCK = re.compile(
    r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|\btime\.time\(|\btime\.time_ns\(|"
    r"\btime\.localtime\(|\btime\.strftime\(|\butcnow\(\)|\.astimezone\(\)"
)
SERVER_CLOCK = re.compile(
    r"func\.now\b|func\.current_timestamp|func\.localtimestamp|\bCURRENT_(TIMESTAMP|DATE|TIME)\b"
    r"|\bnow\(\)['\"]|'now'\)|\bLOCALTIMESTAMP\b|clock_timestamp|statement_timestamp",
    re.IGNORECASE,
)

# where the machine's clock is read, and why that is no rule's time
ALLOWED = {
    "services/context.py": "the desk's clock itself, when no other is given",
    "models/base.py": "utcnow(): the columns' default, for rows written outside the services",
    "db/changes.py": "the change feed's stamp on each entry: shown, never decided on",
    "views/errors.py": "the crash report's file name: a crash may have no desk",
    "views/startup_probe.py": "bench/startup.py's stamp of a window painted: a measure, no rule",
}


def _sources() -> list[tuple[str, int, str]]:
    lines = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP).as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            lines.append((rel, number, code))
    return lines


def test_only_the_desk_reads_the_machines_clock() -> None:
    readers = {
        f"{rel}:{n}: {code.strip()}"
        for rel, n, code in _sources()
        if MACHINE_CLOCK.search(code) and rel not in ALLOWED
    }
    assert readers == set(), "read desk.now() / desk.zone instead"
    for rel in ALLOWED:  # each exception still exists (else it goes from the list)
        assert any(MACHINE_CLOCK.search(c) for r, _, c in _sources() if r == rel), rel


def test_nothing_reads_the_database_servers_clock() -> None:
    readers = {
        f"{rel}:{n}: {code.strip()}"
        for rel, n, code in _sources()
        if SERVER_CLOCK.search(code) and not rel.startswith("migrations/")
    }
    assert readers == set()
    defaults = {
        f"{table.name}.{column.name}: {column.server_default.arg}"  # type: ignore[union-attr]
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.server_default is not None
        and SERVER_CLOCK.search(str(getattr(column.server_default, "arg", "")))
    }
    assert defaults == set()
    onupdates = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.server_onupdate is not None
    }
    assert onupdates == set()
    migrations = {
        f"{path.name}:{n}"
        for path in sorted((APP / "migrations" / "versions").glob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if SERVER_CLOCK.search(line.split("#", 1)[0])
    }
    assert migrations == set()
