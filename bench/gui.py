"""The desktop client over a large queue, measured as an agent meets it; prints ONE JSON object.

    .venv/bin/python bench/gui.py --incidents 1000000 --db sqlite
    .venv/bin/python bench/gui.py --incidents 1000000 --db postgresql
    .venv/bin/python bench/gui.py --url sqlite:////tmp/big.sqlite3   # an existing bench database

The database is built by ``bench/bigdb.py`` (every incident open; the user ``bench`` exists):
SQLite in a temporary folder, PostgreSQL in a fresh, uniquely named database on
INCIDENTDESK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards
(``--keep`` keeps either). Then a FRESH PROCESS starts the real application (``app.main.run_gui``)
offscreen, signed in as the bench user by ``run_gui(signed_in_as=...)`` (no sign-in dialog) on the
"All open" view, and a driver inside it measures:

- ``start_to_paint_s``: from just before the process is spawned to the end of the first paint of
  the queue showing real rows (interpreter start, imports, schema check, first page, paint);
  ``bare_qt_paint_s``: the same for a bare PySide6 window painting a 50-row table, measured in
  the same run (the floor a Qt application starts from on this machine; median of 3), and
  ``start_over_bare``: their ratio;
- ``remote_change_ms``: a second engine (a second workstation) changes the title of the incident
  on the top row; from the start of that commit to the end of the repaint showing the new title
  (median of 5); ``remote_change_deep_ms``: the same after the agent loaded 100,000+ rows;
- ``keys_to_100k_ms``: dragging the scroll bar to its end until row 100,000 exists (each time the
  model fetches 50,000 more keys); ``scroll_100k_ms``: then ``scrollTo(row 100,000)`` to the end
  of the paint that shows real rows there (their rows fetched by id);
- ``rss_mb``: resident memory after that scroll;
- ``search_keystroke_ms``: the last keystroke of a word in the search box, from the query's start
  (after the 250 ms debounce) to the end of the paint of its first page; with the debounce:
  ``search_keystroke_with_debounce_ms`` (medians over a few words).

Each action after the start is measured from a quiet application (nothing running on its task
runner or its background lane), so that one figure does not pay for the previous one's counts.
Progress goes to stderr, the figures to stdout. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# bench/ holds a `queue.py`: take the folder off the path (the standard library's queue is
# needed, psycopg imports it) and put the project there instead
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEEP = 99_999  # row 100,000, 0-based
REMOTE_RUNS = 5
SEARCH_WORDS = ("outlook", "printer", "citrix")
RESULT = "BENCH-RESULT "


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the parent: database, process, figures ---------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="an existing database built by bench/bigdb.py")
    parser.add_argument("--keep", action="store_true", help="keep the database it builds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database, populate

    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    tmp = Path(tempfile.mkdtemp(prefix="incidentdesk-gui-bench-"))
    url, made_pg = args.url, None
    figures: dict[str, Any] = {"db": args.db, "incidents": args.incidents}
    try:
        if url is None:
            if args.db == "sqlite":
                url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            else:
                url = made_pg = create_pg_database(admin)
            log(f"populating {args.incidents:,} incidents ...")
            info = populate(url, args.incidents)
            figures["populate_s"] = round(info.timings["total_s"], 1)
            log(f"populated in {info.timings['total_s']:.1f} s")
        else:
            figures["db"] = "postgresql" if url.startswith("postgresql") else "sqlite"
        figures.update(run_child(url, tmp))
        bare = [run_bare(tmp) for _ in range(3)]
        figures["bare_qt_paint_s"] = round(statistics.median(bare), 3)
        figures["start_over_bare"] = round(
            figures["start_to_paint_s"] / figures["bare_qt_paint_s"], 2
        )
        figures["machine"] = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True),
        }
        print(json.dumps(figures))
        return 0
    finally:
        if made_pg and not args.keep:
            drop_pg_database(admin, made_pg)
        if args.keep:
            log(f"kept: {url}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_child(url: str, tmp: Path) -> dict[str, Any]:

    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
    )
    env.pop("INCIDENTDESK_DB", None)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", url]
    log("starting the application ...")
    spawned = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    sys.stderr.write(proc.stderr)
    result = next(
        (
            json.loads(line[len(RESULT) :])
            for line in proc.stdout.splitlines()
            if line.startswith(RESULT)
        ),
        None,
    )
    if proc.returncode != 0 or result is None:
        raise SystemExit(f"the application failed (exit {proc.returncode}):\n{proc.stdout}")
    result["start_to_paint_s"] = round(result.pop("first_paint_at") - spawned, 3)
    order = [
        "start_to_paint_s",
        "scroll_100k_ms",
        "search_keystroke_ms",
        "remote_change_ms",
        "rss_mb",
    ]
    return {k: result[k] for k in order} | {k: v for k, v in result.items() if k not in order}


BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem
app = QApplication(sys.argv)
table = QTableWidget(50, 9)
for r in range(50):
    for c in range(9):
        table.setItem(r, c, QTableWidgetItem(f"row {r} column {c}"))
table.resize(1360, 780)
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, lambda: (print("PAINTED", time.time(), flush=True), app.quit()))
            obj.removeEventFilter(self)
        return False
watch = Watch()
table.viewport().installEventFilter(watch)
table.show()
app.exec()
"""


def run_bare(tmp: Path) -> float:
    """Seconds from spawning a bare PySide6 process to the end of its table's first paint."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp / "config"))
    spawned = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", BARE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    painted = next(
        float(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("PAINTED")
    )
    return painted - spawned


# -- the child: the real application, and a driver inside it ---------------------------------


def child(url: str) -> int:
    from app.db.config import DatabaseConfig
    from app.main import run_gui
    from app.views.settings import settings, user_key
    from bench.bigdb import BENCH_USER

    s = settings()  # open on "All open" (what the agent chose last time)
    s.setValue(user_key(BENCH_USER, "last_view"), "All open")
    s.sync()
    driver = Driver(url)
    return run_gui(DatabaseConfig(url, "bench"), on_window=driver.attach, signed_in_as=BENCH_USER)


class Driver:
    def __init__(self, url: str) -> None:
        self.url = url
        self.figures: dict[str, Any] = {}

    # -- waiting without blocking the application ---------------------------------------------
    def attach(self, window: Any) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.window = window
        driver = self

        class PaintWatch(QObject):
            """Calls the expected predicate at each paint of the queue; after the paint that
            satisfied it, notes the time (a zero timer runs once the paint is done)."""

            def eventFilter(self, obj: QObject, event: QEvent) -> bool:
                pred = driver._expect
                if event.type() == QEvent.Type.Paint and pred is not None and pred():
                    driver._expect = None
                    QTimer.singleShot(0, driver._painted)
                return False

        self._expect: Any = self._first_rows_shown
        self._painted_at: float | None = None
        self._painted_wall: float | None = None
        self._watch = PaintWatch()
        window.table.viewport().installEventFilter(self._watch)
        QTimer.singleShot(0, self.run)

    def _painted(self) -> None:
        self._painted_at = time.perf_counter()
        self._painted_wall = time.time()

    def expect_paint(self, pred: Any) -> None:
        self._painted_at = None
        self._expect = pred
        self.window.table.viewport().update()  # a paint is due anyway; this one checks early

    def wait(self, cond: Any, timeout: float = 60.0) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        deadline = time.perf_counter() + timeout
        timer = QTimer()
        timer.setInterval(2)

        def check() -> None:
            if cond() or time.perf_counter() > deadline:
                loop.quit()

        timer.timeout.connect(check)
        timer.start()
        if not cond():
            loop.exec()
        timer.stop()
        if not cond():
            raise TimeoutError(f"timed out waiting for {getattr(cond, '__name__', cond)}")

    def idle(self) -> None:
        """Each action is measured from a quiet application: nothing running on the task runner
        or the background lane (saved-view counts after a change, the SLA sweep)."""
        w = self.window
        self.wait(lambda: w.runner.pending() == 0 and w.background.pending() == 0)

    def wait_painted(self) -> float:
        self.wait(lambda: self._painted_at is not None)
        assert self._painted_at is not None
        return self._painted_at

    # -- what the agent sees -----------------------------------------------------------------
    def visible_rows(self) -> range:
        t = self.window.table
        top = t.rowAt(0)
        bottom = t.rowAt(t.viewport().height() - 1)
        if top < 0:
            return range(0)
        return range(top, (bottom if bottom >= 0 else t.model().rowCount() - 1) + 1)

    def all_real(self) -> bool:
        m = self.window.model
        rows = self.visible_rows()
        return len(rows) > 0 and all(m.cached_row(m.incident_id(r) or -1) is not None for r in rows)

    def _first_rows_shown(self) -> bool:
        from app.domain.records import QueueFilter

        m = self.window.model
        return (
            m.query.flt == QueueFilter()
            and m.generation() > 0
            and m.rowCount() > 0
            and self.all_real()
        )

    # -- the measurements --------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported, and the application ends
            import traceback

            traceback.print_exc()
            self.figures["error"] = repr(exc)
        print(RESULT + json.dumps(self.figures), flush=True)
        self.window.close()

    def _run(self) -> None:
        w = self.window
        self.wait_painted()
        assert self._painted_wall is not None
        self.figures["first_paint_at"] = self._painted_wall
        log("first paint")
        from app.db.engine import make_engine
        from app.services.context import Desk

        other = make_engine(self.url)
        try:
            second = Desk(other)
            runs = [self.remote_change(second, k) for k in range(REMOTE_RUNS)]
            self.figures["remote_change_ms"] = round(statistics.median(runs), 1)
            self.figures["remote_change_runs_ms"] = [round(r, 1) for r in runs]
            log(f"remote change {runs}")

            # the agent drags the scroll bar down until row 100,000 exists, then goes there
            bar = w.table.verticalScrollBar()
            t0 = time.perf_counter()
            while w.model.rowCount() <= DEEP:
                loaded = w.model.rowCount()
                bar.setValue(bar.maximum())
                self.wait(lambda loaded=loaded: w.model.rowCount() > loaded)
            self.figures["keys_to_100k_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            self.wait(self.all_real)
            from PySide6.QtWidgets import QAbstractItemView

            self.idle()
            self.expect_paint(
                lambda: self.visible_rows()[:1] == range(DEEP, DEEP + 1) and self.all_real()
            )
            t0 = time.perf_counter()
            w.table.scrollTo(w.model.index(DEEP, 0), QAbstractItemView.ScrollHint.PositionAtTop)
            self.figures["scroll_100k_ms"] = round((self.wait_painted() - t0) * 1000, 1)
            number = w.model.index(DEEP, 0).data()
            self.figures["row_100k_number"] = number
            mem = memory()
            self.figures["rss_mb"] = round(mem["VmRSS"], 1)
            self.figures["rss_parts_mb"] = {k: round(v, 1) for k, v in mem.items() if k != "VmRSS"}
            self.figures["loaded_rows"] = w.model.rowCount()
            log(f"scroll {self.figures['scroll_100k_ms']} ms to {number}")

            # a change elsewhere while the model holds 100,000+ rows (the top row, in view)
            w.table.scrollToTop()
            self.wait(self.all_real)
            deep = [self.remote_change(second, 10 + k) for k in range(3)]
            self.figures["remote_change_deep_ms"] = round(statistics.median(deep), 1)
            log(f"remote change with {w.model.rowCount():,} rows loaded {deep}")
        finally:
            other.dispose()

        searches = [self.search(word) for word in SEARCH_WORDS]
        self.figures["search_keystroke_ms"] = round(statistics.median(s[0] for s in searches), 1)
        self.figures["search_keystroke_with_debounce_ms"] = round(
            statistics.median(s[1] for s in searches), 1
        )
        self.figures["search_runs_ms"] = [[round(a, 1), round(b, 1)] for a, b in searches]
        self.figures["search_debounce_ms"] = _debounce_ms()
        log(f"search {searches}")

    def remote_change(self, second: Any, k: int) -> float:
        """A second workstation renames the incident on the top row: ms from the start of its
        commit to the end of the repaint showing the new title."""
        from app.services import incidents
        from app.views.queue_model import TITLE

        w = self.window
        m = w.model
        row = next(
            r
            for r in self.visible_rows()
            if (m.cached_row(m.incident_id(r) or -1) or _NO).priority == 1
        )
        incident_id = m.incident_id(row)
        title = f"Remote change {k} at {time.time():.3f}"
        actor = second.actor("admin")  # any group's incident (an agent edits only its own)

        def shown() -> bool:
            r = m.row_of(incident_id)
            return r is not None and r in self.visible_rows() and m.index(r, TITLE).data() == title

        started: list[float] = []

        def commit() -> None:
            started.append(time.perf_counter())
            incidents.update_fields(second, actor, incident_id, None, {"title": title})

        self.idle()
        thread = threading.Thread(target=commit)
        self._painted_at = None
        self._expect = shown
        thread.start()
        painted = self.wait_painted()
        thread.join()
        return (painted - started[0]) * 1000

    def search(self, word: str) -> tuple[float, float]:
        """Type `word` in the search box; the last keystroke: (query start to paint, keystroke
        to paint) in ms."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        w = self.window
        box = w.search
        box.setFocus()
        box.clear()
        QTest.keyClicks(box, word[:-1])
        prefix = word[:-1]
        # whole words match (no prefix search): the prefix may show nothing; wait for its answer
        self.wait(
            lambda: w.model.query.flt.text == prefix and w.model.generation() == _loaded(w.model)
        )
        self.wait(lambda: w.model.rowCount() == 0 or self.all_real())
        applied: list[float] = []
        original = w._apply_filters

        def spy(*a: Any, **kw: Any) -> None:
            applied.append(time.perf_counter())
            original(*a, **kw)

        w._search_timer.timeout.disconnect()
        w._search_timer.timeout.connect(spy)
        self.idle()
        try:
            self.expect_paint(
                lambda: (
                    w.model.query.flt.text == word
                    and w.model.generation() == _loaded(w.model)
                    and self.all_real()
                )
            )
            t0 = time.perf_counter()
            QTest.keyClick(box, word[-1])
            painted = self.wait_painted()
        finally:
            w._search_timer.timeout.disconnect()
            w._search_timer.timeout.connect(w._apply_filters)
        QTest.keyClick(box, Qt.Key.Key_Escape)
        return (painted - applied[0]) * 1000, (painted - t0) * 1000


class _NoRow:
    priority = 0


_NO = _NoRow()


def _loaded(model: Any) -> int:
    return int(model._loaded_generation)


def _debounce_ms() -> int:
    from app.views.main_window import SEARCH_DEBOUNCE_MS

    return SEARCH_DEBOUNCE_MS


def memory() -> dict[str, float]:
    """VmRSS and its parts (anonymous; file-backed, e.g. SQLite's memory-mapped database), MB."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(value.split()[0]) / 1024
    except OSError:
        import resource

        out["VmRSS"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def rss_mb() -> float:
    return memory()["VmRSS"]


if __name__ == "__main__":
    raise SystemExit(main())
