"""The pinned toolchain: PySide6 6.12.0 crashes CPython 3.11 after a few thousand calls of
a Qt method returning nothing (`Fatal Python error: none_dealloc`). We pin 6.11.3."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import version


def test_pyside6_is_pinned_to_a_release_that_works_on_this_python() -> None:
    assert version("PySide6-Essentials") == "6.11.3"


def test_fifty_thousand_void_qt_calls_do_not_crash_the_interpreter() -> None:
    # in a child process: the failure mode is an abort, which would kill the test run
    code = textwrap.dedent(
        """
        from PySide6.QtGui import QStandardItem
        item = QStandardItem()
        for i in range(50_000):
            item.setText(str(i))
        print("ok", item.text())
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok 49999"
