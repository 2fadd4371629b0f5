"""``incidentdesk package``: the workstation installers, built from this source tree.

    incidentdesk package --db-url postgresql://desk@db.example.com/incidentdesk --out dist \\
        [--name incidentdesk] [--version 1.2.0] [--timezone Europe/Brussels] \\
        [--holiday-country BE [--holiday-subdiv ...]]

1. PyInstaller builds the one-folder application from ``packaging/incidentdesk.spec``;
2. the site configuration is written into that folder (``incidentdesk-site.ini``: the database
   address WITHOUT a password, the site's time zone and holiday country), so a workstation
   starts on the shared database and its connection wizard asks only what is missing;
3. a Debian package ``NAME_VERSION_ARCH.deb`` (the folder under /opt/NAME, a launcher
   /usr/bin/NAME, a desktop entry and its icon; Depends on the system libraries Qt loads and a
   font) and ``NAME-VERSION-linux-ARCH.tar.gz`` (the folder, for any Linux) land in --out.

A password in the address is refused: the installed files are readable by everyone on the
workstation; each user types it once in the connection wizard (kept in the system keyring).
The user's own settings live in their home folder (platformdirs), which neither an upgrade
nor a removal touches.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from app.db import config as db_config
from app.domain.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "incidentdesk.spec"
ICON = ROOT / "resources" / "icons" / "incidentdesk.svg"

# What the bundled Qt (xcb platform, EGL/GL, fonts, keyboard) loads from the system: a bare
# Debian/Ubuntu desktop may lack some of them. Checked against the bundle by the packaging test.
DEB_DEPENDS = (
    "libc6",
    "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1-3",
    "libgl1",
    "libegl1",
    "libopengl0",
    "libfontconfig1",
    "libfreetype6",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "fonts-dejavu-core | fonts-liberation2 | fonts-freefont-ttf",
)
DEB_RECOMMENDS = ("gnome-keyring | kwalletmanager",)  # a keyring for the database password
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class PackageError(Exception):
    """A problem with the request or the build: one line for the user."""


@dataclass(frozen=True)
class Request:
    db_url: str | None  # None: no site configuration built in
    out: Path
    name: str
    version: str
    timezone: str
    holiday_country: str | None
    holiday_subdiv: str | None


def add_parser(sub: Any, plain: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "package",
        help="build the workstation installers (.deb, .tar.gz) with the site's database built in",
        parents=[plain],
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db-url", metavar="URL", help="the shared database, no password")
    where.add_argument(
        "--no-site",
        action="store_true",
        help="no site built in: each workstation's first start asks (the CI workflow's build)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="where the packages go")
    p.add_argument("--name", default="incidentdesk", help="package and command name")
    p.add_argument("--version", default=None, metavar="V", help="default: this release's")
    p.add_argument("--timezone", default=None, metavar="ZONE", help="default: this machine's")
    p.add_argument("--holiday-country", default=None, metavar="CC", help="e.g. BE; default none")
    p.add_argument("--holiday-subdiv", default=None, metavar="CODE")


def app_version() -> str:
    try:
        return package_version("incidentdesk")
    except PackageNotFoundError:
        return "0.0.0"


def checked_url(url: str) -> str:
    """The address as stored in the bundle; a password in it is refused."""
    from sqlalchemy.engine import make_url

    normal = db_config.normalise_url(url)
    parsed = make_url(normal)
    if parsed.password is not None:
        shown = parsed.render_as_string(hide_password=True)
        raise ValidationError(
            f"The database address has a password ({shown}): an installer must not carry one, "
            "every user of the workstation could read it. Give the address without it; each "
            "user types the password once in the connection wizard (kept in the system keyring)",
            field="db-url",
        )
    return normal


def request_from(args: argparse.Namespace) -> Request:
    from app.services.policies import check_holiday_region

    name = args.name.strip().lower()
    if not name or not set(name) <= NAME_CHARS or not name[0].isalpha():
        raise ValidationError(
            f"--name {args.name!r}: lower-case letters, digits and '-', starting with a letter",
            field="name",
        )
    version = (args.version or app_version()).strip()
    if not version or not version[0].isdigit() or any(c.isspace() or c == "_" for c in version):
        raise ValidationError(
            f"--version {version!r}: a Debian version starts with a digit (such as 1.2.0)",
            field="version",
        )
    zone = (args.timezone or db_config.system_zone_name()).strip()
    if not db_config._known_zone(zone):
        raise ValidationError(
            f"--timezone {zone}: not an IANA time zone (such as Europe/Brussels)", field="timezone"
        )
    country, subdiv = check_holiday_region(args.holiday_country, args.holiday_subdiv)
    return Request(
        db_url=None if args.no_site else checked_url(args.db_url),
        out=Path(args.out).expanduser().resolve(),
        name=name,
        version=version,
        timezone=zone,
        holiday_country=country,
        holiday_subdiv=subdiv,
    )


def site_ini(req: Request) -> str:
    return (
        "# Built in by 'incidentdesk package': the site's shared database and calendar.\n"
        "# A user's own incidentdesk.ini (File > Change connection...) comes first.\n"
        "[database]\n"
        f"url = {req.db_url}\n"
        "\n[site]\n"
        f"timezone = {req.timezone}\n"
        f"holiday_country = {req.holiday_country or ''}\n"
        f"holiday_subdiv = {req.holiday_subdiv or ''}\n"
    )


def deb_arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}.get(machine, machine)


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build_bundle(req: Request, work: Path) -> Path:
    """PyInstaller's one-folder build; the folder (work/dist/NAME)."""
    if not SPEC.is_file():
        raise PackageError(f"{SPEC} is missing: run 'incidentdesk package' from a source tree")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise PackageError(
            "PyInstaller is not installed: pip install -e '.[package]' (make package does)"
        ) from None
    env = dict(os.environ, INCIDENTDESK_BUNDLE_NAME=req.name)
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC),
    ]  # fmt: skip
    _log(f"Building the application with PyInstaller (a few minutes): {' '.join(cmd)}")
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise PackageError(f"PyInstaller failed (exit {done.returncode}); its output is above")
    bundle = work / "dist" / req.name
    site = bundle / db_config.BUNDLE_CONFIG_FILE
    if req.db_url is not None:
        site.write_text(site_ini(req), encoding="utf-8")
    else:
        site.unlink(missing_ok=True)
    return bundle


def _desktop_entry(req: Request) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Incident Desk\n"
        "GenericName=IT incident management\n"
        "Comment=Log, route and resolve IT incidents\n"
        f"Exec={req.name}\n"
        f"Icon={req.name}\n"
        "Terminal=false\n"
        "Categories=Office;Utility;\n"
        f"StartupWMClass={req.name}\n"
    )


LAUNCHER = """#!/bin/sh
# Incident Desk: the application lives in /opt/{name}
exec /opt/{name}/{name} "$@"
"""

# $DPKG_ROOT is empty on a workstation; set when dpkg installs into another root without a
# chroot (--root with --force-script-chrootless: the upgrade test does).
POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DPKG_ROOT/usr/share/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$DPKG_ROOT/usr/share/icons/hicolor" || true
fi
exit 0
"""

# dpkg removes every file it installed; what the application wrote under /opt (Python's caches)
# goes too, on removal only (an upgrade calls this with "upgrade" and keeps the new files).
# The users' settings and local databases stay in their home folders.
POSTRM = """#!/bin/sh
set -e
case "$1" in
    remove|purge)
        rm -rf "$DPKG_ROOT/opt/{name}"
        command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DPKG_ROOT/usr/share/applications" || true
        ;;
esac
exit 0
"""


def build_deb(req: Request, bundle: Path, work: Path, *, level: int = 9) -> Path:
    """The .deb of `bundle` (gzip at `level`: 9 for what ships)."""
    if shutil.which("dpkg-deb") is None:
        raise PackageError("dpkg-deb is missing: apt-get install dpkg-dev (scripts/setup.sh does)")
    arch = deb_arch()
    root = work / "deb"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / req.name
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    launcher = root / "usr" / "bin" / req.name
    launcher.write_text(LAUNCHER.format(name=req.name))
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / f"{req.name}.desktop").write_text(_desktop_entry(req))
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy2(ICON, icons / f"{req.name}.svg")
    debian = root / "DEBIAN"
    debian.mkdir()
    size_kb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) // 1024
    control = (
        f"Package: {req.name}\n"
        f"Version: {req.version}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Incident Desk administrators <root@localhost>\n"
        f"Installed-Size: {size_kb}\n"
        f"Depends: {', '.join(DEB_DEPENDS)}\n"
        f"Recommends: {', '.join(DEB_RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: Incident Desk, IT incident management (workstation)\n"
        + (
            f" Connects to {_shown(req.db_url)}.\n"
            if req.db_url
            else " Asks for its database at the first start.\n"
        )
    )
    (debian / "control").write_text(control)
    (debian / "postinst").write_text(POSTINST)
    (debian / "postrm").write_text(POSTRM.format(name=req.name))
    for script in (launcher, debian / "postinst", debian / "postrm"):
        script.chmod(0o755)
    req.out.mkdir(parents=True, exist_ok=True)
    deb = req.out / f"{req.name}_{req.version}_{arch}.deb"
    cmd = ["dpkg-deb", "--root-owner-group", "-Zgzip", f"-z{level}", "--build", str(root), str(deb)]
    _log(f"Building {deb.name}")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise PackageError(f"dpkg-deb failed: {done.stderr.strip() or done.stdout.strip()}")
    shutil.rmtree(root, ignore_errors=True)
    return deb


def build_tarball(req: Request, bundle: Path) -> Path:
    req.out.mkdir(parents=True, exist_ok=True)
    path = req.out / f"{req.name}-{req.version}-linux-{platform.machine().lower()}.tar.gz"
    _log(f"Building {path.name}")
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{req.name}-{req.version}")
    return path


def _shown(url: str | None) -> str:
    if url is None:
        return "no site (the first start asks for the database)"
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run(args: argparse.Namespace) -> int:
    req = request_from(args)
    started = time.monotonic()
    work = req.out / f".build-{req.name}"
    work.mkdir(parents=True, exist_ok=True)
    bundle = build_bundle(req, work)
    built = time.monotonic()
    deb = build_deb(req, bundle, work)
    tarball = build_tarball(req, bundle)
    print(f"Application folder: {bundle}")
    print(f"Debian package:     {deb} ({deb.stat().st_size / 1e6:.1f} MB)")
    print(f"Archive:            {tarball} ({tarball.stat().st_size / 1e6:.1f} MB)")
    print(
        f"Built for {_shown(req.db_url)}, time zone {req.timezone}, holidays "
        f"{req.holiday_country or 'none'}; PyInstaller {built - started:.0f} s, "
        f"all {time.monotonic() - started:.0f} s"
    )
    return 0
