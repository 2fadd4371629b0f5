"""The installers, built and run as a workstation would (`make package`; minutes, so the normal
suite skips it): `incidentdesk package` builds the one-folder bundle with a site configuration,
the .deb and the .tar.gz; the bundle's --self-test passes; the bundle reaches the site's
PostgreSQL with what was built in; the .deb unpacked into a scratch root holds the launcher,
the desktop entry, the icon and removal scripts, and its launcher's --self-test passes; installed
with dpkg into a scratch root, a newer version upgrades it keeping the user's settings; every
system library the bundle loads is in the .deb's Depends."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli_package import DEB_DEPENDS, Request, build_deb
from tests.conftest import new_pg_database

pytestmark = [
    pytest.mark.package,
    pytest.mark.skipif(
        os.environ.get("INCIDENTDESK_TEST_PACKAGE") != "1",
        reason="builds the installers (minutes): make package runs it",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
NAME = "incidentdesk-pkgtest"
VERSION = "0.1.0"


@dataclass(frozen=True)
class Built:
    out: Path
    bundle: Path
    deb: Path
    tarball: Path
    site_url: str


def _clean_env(home: Path) -> dict[str, str]:
    """A user with nothing configured: their own folders, no INCIDENTDESK_DB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTDESK_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    out = Path(os.environ.get("INCIDENTDESK_PACKAGE_OUT") or tmp_path_factory.mktemp("packages"))
    out = (ROOT / out).resolve() if not out.is_absolute() else out
    for url in new_pg_database():
        site_url = url.replace("postgresql+psycopg://", "postgresql://")
        cmd = [
            sys.executable, "-m", "app.cli", "package", "--db-url", site_url, "--out", str(out),
            "--name", NAME, "--version", VERSION, "--timezone", "Europe/Brussels",
            "--holiday-country", "BE",
        ]  # fmt: skip
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1500)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
        yield Built(
            out,
            out / f".build-{NAME}" / "dist" / NAME,
            out / f"{NAME}_{VERSION}_amd64.deb",
            next(out.glob(f"{NAME}-{VERSION}-linux-*.tar.gz")),
            url,
        )


def test_the_bundle_passes_its_self_test(built: Built, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(built.bundle / NAME), "--self-test"],
        capture_output=True, text=True, timeout=120, env=_clean_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "self-test: ok" in done.stderr


def test_the_bundle_carries_the_site_and_no_password(built: Built, tmp_path: Path) -> None:
    ini = (built.bundle / "incidentdesk-site.ini").read_text()
    assert "url = postgresql+psycopg://postgres@127.0.0.1:5432/" in ini
    assert "timezone = Europe/Brussels" in ini and "holiday_country = BE" in ini
    # the built application opens the site's PostgreSQL from that file (psycopg and the
    # migrations are in the bundle)
    done = subprocess.run(
        [str(built.bundle / NAME), "db", "upgrade"],
        capture_output=True, text=True, timeout=120, env=_clean_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "incidentdesk-site.ini)" in done.stdout and "is at schema" in done.stdout


def test_a_password_in_the_address_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "package", "--db-url",
         "postgresql://desk:s3cret@db.example.com/incidentdesk", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "has a password (postgresql+psycopg://desk:***@db.example.com" in done.stderr
    assert "s3cret" not in done.stderr
    assert not list(tmp_path.iterdir())


def test_the_archive_holds_the_application_folder(built: Built) -> None:
    with tarfile.open(built.tarball) as tar:
        names = tar.getnames()
    assert f"{NAME}-{VERSION}/{NAME}" in names
    assert f"{NAME}-{VERSION}/incidentdesk-site.ini" in names
    assert any(n.endswith("app/migrations/env.py") for n in names)


def test_the_deb_installs_into_a_scratch_root_and_its_launcher_works(
    built: Built, tmp_path: Path
) -> None:
    info = subprocess.run(
        ["dpkg-deb", "--field", str(built.deb), "Package", "Version", "Depends"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert f"Package: {NAME}" in info and f"Version: {VERSION}" in info
    assert "libxcb-cursor0" in info and "fonts-dejavu-core" in info
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(built.deb), str(root)], check=True)
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(built.deb), str(control)], check=True)
    launcher = root / "usr" / "bin" / NAME
    assert os.access(launcher, os.X_OK)
    assert f"exec /opt/{NAME}/{NAME}" in launcher.read_text()
    desktop = (root / "usr/share/applications" / f"{NAME}.desktop").read_text()
    assert f"Exec={NAME}\n" in desktop and f"Icon={NAME}\n" in desktop
    assert (root / "usr/share/icons/hicolor/scalable/apps" / f"{NAME}.svg").is_file()
    # removal takes what the application left under /opt and nothing of the users' homes
    postrm = (control / "postrm").read_text()
    assert f'rm -rf "$DPKG_ROOT/opt/{NAME}"\n' in postrm and "home" not in postrm
    # the installed launcher, its /opt mapped to the scratch root
    scratch_launcher = tmp_path / NAME
    scratch_launcher.write_text(launcher.read_text().replace("/opt/", f"{root}/opt/"))
    scratch_launcher.chmod(0o755)
    done = subprocess.run(
        [str(scratch_launcher), "--self-test"],
        capture_output=True, text=True, timeout=120, env=_clean_env(tmp_path / "home"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "self-test: ok" in done.stderr


def _dpkg(root: Path, *args: str) -> str:
    """dpkg on a scratch root of its own (its own status database), maintainer scripts run
    outside a chroot with $DPKG_ROOT set, the Qt libraries' Depends not looked for there."""
    cmd = [
        "dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
        "--force-not-root", "--log=/dev/null", *args,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def _installed_version(root: Path) -> str:
    return subprocess.run(
        ["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f=${Version}", NAME],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _launcher_in(root: Path, tmp_path: Path) -> Path:
    """The installed launcher, its /opt mapped to the scratch root."""
    launcher = tmp_path / f"{NAME}-in-root"
    launcher.write_text((root / "usr/bin" / NAME).read_text().replace("/opt/", f"{root}/opt/"))
    launcher.chmod(0o755)
    return launcher


def test_the_deb_upgrades_over_an_older_version_and_keeps_the_users_settings(
    built: Built, tmp_path: Path
) -> None:
    newer_version = "0.2.0"
    newer = build_deb(
        Request(built.site_url, tmp_path / "newer", NAME, newer_version, "Europe/Brussels", "BE", None),
        built.bundle, tmp_path / "work", level=1,
    )  # fmt: skip
    root = tmp_path / "root"
    (root / "var/lib/dpkg/info").mkdir(parents=True)
    (root / "var/lib/dpkg/updates").mkdir()
    (root / "var/lib/dpkg/status").touch()
    _dpkg(root, "--install", str(built.deb))
    assert _installed_version(root) == VERSION
    # a user of the older version chose a database of their own and set it up
    home = tmp_path / "home"
    env = _clean_env(home)
    mine = home / "mine.sqlite3"
    settings = home / ".config" / "IncidentDesk" / "incidentdesk.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"[database]\nurl = sqlite:///{mine}\n")
    older = _launcher_in(root, tmp_path)
    done = subprocess.run(
        [str(older), "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert mine.is_file()
    kept = (settings.read_bytes(), mine.read_bytes())
    (root / "opt" / NAME / "left-by-the-older-version").write_text("a file dpkg did not install")

    out = _dpkg(root, "--install", str(newer))
    assert f"Unpacking {NAME} ({newer_version}) over ({VERSION})" in out
    assert _installed_version(root) == newer_version
    # the upgrade left the application in place (the older postrm ran with "upgrade") and the
    # user's settings and database as they were; the new launcher starts on them
    assert (root / "opt" / NAME / NAME).is_file()
    assert (settings.read_bytes(), mine.read_bytes()) == kept
    done = subprocess.run(
        [str(_launcher_in(root, tmp_path)), "db", "upgrade"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{mine} (from {settings})" in done.stdout + done.stderr
    done = subprocess.run(
        [str(_launcher_in(root, tmp_path)), "--self-test"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    # removal takes the application, what it left under /opt, its launcher and entry; not the home
    _dpkg(root, "--remove", NAME)
    assert not (root / "opt" / NAME).exists()
    assert not (root / "usr/bin" / NAME).exists()
    assert not (root / "usr/share/applications" / f"{NAME}.desktop").exists()
    assert (settings.read_bytes(), mine.read_bytes()) == kept


def _needed_from_the_system(bundle: Path) -> dict[str, str]:
    """{library: a bundle file that needs it} for the libraries the bundle's ELF files link
    (readelf's NEEDED) that the bundle does not carry itself."""
    carried = {p.name for p in bundle.rglob("*") if p.is_file()}
    needed: dict[str, str] = {}
    for path in bundle.rglob("*"):
        if not path.is_file() or not (".so" in path.name or path.name == NAME):
            continue
        out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
        for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out):
            if lib not in carried:
                needed.setdefault(lib, str(path.relative_to(bundle)))
    return needed


def _owner(lib: str) -> str | None:
    """The Debian package that provides `lib` on this machine (ldconfig's path, dpkg -S)."""
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    m = re.search(rf"^\s+{re.escape(lib)} \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.M)
    if m is None:
        return None
    path = Path(m.group(1))
    for candidate in (str(path), str(path.resolve())):
        for spelled in (candidate, candidate.replace("/usr/lib/", "/lib/", 1)):
            done = subprocess.run(["dpkg", "-S", spelled], capture_output=True, text=True)
            if done.returncode == 0:
                return done.stdout.split(":", 1)[0].strip()
    return None


def test_every_system_library_it_links_is_a_declared_dependency(built: Built) -> None:
    """What the bundle does not carry, a bare system must have: each library is in a package
    the .deb depends on (libc6 included)."""
    declared = {alt.strip().split()[0] for dep in DEB_DEPENDS for alt in dep.split("|")}
    needed = _needed_from_the_system(built.bundle)
    assert "libxcb.so.1" in needed and "libGL.so.1" in needed  # the X11 platform's own
    owners = {lib: _owner(lib) for lib in needed}
    undeclared = {lib: (pkg, needed[lib]) for lib, pkg in owners.items() if pkg not in declared}
    assert not undeclared, f"linked by the bundle, not in the .deb's Depends: {undeclared}"
    assert not any("wayland" in lib for lib in needed)  # X11 only: nothing of Wayland to declare
