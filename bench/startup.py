"""The built application's start, from launching its binary to its windows painted; prints ONE
JSON object.

    .venv/bin/python bench/startup.py [--binary PATH] [--runs 5] [--platform offscreen|xcb]

The binary defaults to the one `make package` builds. The database is a SQLite file the binary
itself makes with its schema and one user (so no migration runs in the timed start). Each run
launches the binary with INCIDENTDESK_STARTUP_PROBE (app/views/startup_probe.py): the sign-in
dialog's first paint is stamped, the dialog is filled and submitted as a person would (the
password checked as usual), the main window's first paint is stamped, and the application
quits. Figures, from just before the process is spawned:

- ``signin_painted_s``: the first window a user sees (the sign-in dialog), painted;
- ``main_painted_s``: the main window painted, after the sign-in (password check included);
- ``cold``: the first run after asking the kernel to drop its page cache
  (``/proc/sys/vm/drop_caches``; ``cold_cache_dropped`` says whether it could), the others warm
  (``warm_median_*``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_BINARY = (
    ROOT / "build/packages/.build-incidentdesk-pkgtest/dist/incidentdesk-pkgtest/incidentdesk-pkgtest"
)
USER, PASSWORD = "bench", "bench-start-pass"


def make_database(folder: Path, binary: Path) -> str:
    """A SQLite file with one admin, made by the binary itself (its own schema: a source tree
    a migration ahead would make a database the built application refuses as newer)."""
    url = f"sqlite:///{folder / 'start.sqlite3'}"
    env = dict(os.environ, HOME=str(folder / "home"), XDG_CONFIG_HOME=str(folder / "home/.config"))
    for args, given in (
        (["db", "upgrade"], None),
        (["users", "add", "--name", "Bench Admin", "--role", "admin", "--password-stdin", USER], PASSWORD),
    ):
        done = subprocess.run(
            [str(binary), "--db", url, *args], input=given, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{binary} {' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return url


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=False)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def one_run(binary: Path, url: str, folder: Path, platform_name: str) -> dict[str, float]:
    probe = folder / "probe.txt"
    probe.unlink(missing_ok=True)
    env = dict(os.environ, INCIDENTDESK_STARTUP_PROBE=str(probe),
               INCIDENTDESK_STARTUP_PROBE_LOGIN=f"{USER}:{PASSWORD}", QT_QPA_PLATFORM=platform_name,
               HOME=str(folder / "home"), XDG_CONFIG_HOME=str(folder / "home/.config"))  # fmt: skip
    started = time.time()
    done = subprocess.run([str(binary), "--db", url], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not probe.exists():
        raise SystemExit(f"the application did not start: exit {done.returncode}\n{done.stderr[-2000:]}")
    stamps = dict(line.split() for line in probe.read_text().splitlines())
    return {
        "signin_painted_s": round(float(stamps["signin"]) - started, 3),
        "main_painted_s": round(float(stamps["main"]) - started, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default="offscreen", help="Qt platform (xcb under Xvfb)")
    args = parser.parse_args()
    if not args.binary.is_file():
        raise SystemExit(f"{args.binary}: no such binary (make package builds it)")
    with tempfile.TemporaryDirectory(prefix="incidentdesk-start-") as tmp:
        folder = Path(tmp)
        url = make_database(folder, args.binary)
        dropped = drop_caches()
        cold = one_run(args.binary, url, folder, args.platform)
        warm = [one_run(args.binary, url, folder, args.platform) for _ in range(max(args.runs - 1, 1))]
    bundle = args.binary.parent
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    print(json.dumps({
        "binary": str(args.binary),
        "platform": args.platform,
        "bundle_mb": round(size / 1e6, 1),
        "cold_cache_dropped": dropped,
        "cold": cold,
        "warm_runs": len(warm),
        "warm_median_signin_painted_s": statistics.median(r["signin_painted_s"] for r in warm),
        "warm_median_main_painted_s": statistics.median(r["main_painted_s"] for r in warm),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m": round(os.getloadavg()[0], 2)},
    }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
