"""A PostgreSQL server of one's own, for benchmarks and the tests that need what the shared
server does not give (more connections, passwords checked): ``initdb`` in a temporary folder,
from ``/usr/lib/postgresql/*/bin`` (or a given folder), on a free port of 127.0.0.1, as the
``postgres`` system user when run as root (initdb refuses root). Stopped and deleted at the
end, whatever happens; no other server is touched."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ServerNotStarted(RuntimeError):
    """initdb or pg_ctl failed, or there is no PostgreSQL to start."""


def pg_bin(given: str | None = None) -> Path:
    """The folder of initdb and pg_ctl: `given`, else the newest /usr/lib/postgresql/*/bin."""
    if given:
        return Path(given)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if not found:
        raise ServerNotStarted("no initdb under /usr/lib/postgresql/*/bin (say where it is)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str  # the admin's (postgres), password included when the server checks them
    data: Path
    port: int

    def pids(self) -> list[int]:
        """The postmaster and its children (the sessions, the background workers)."""
        try:
            main = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        pids = [main]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == main:
                pids.append(int(Path(stat).parent.name))
        return pids


@contextlib.contextmanager
def own_server(
    bin_dir: Path,
    *,
    max_connections: int = 100,
    admin_password: str | None = None,
    settings: str = "",
    log: Any = None,
) -> Iterator[Server]:
    """A fresh PostgreSQL on 127.0.0.1; stopped and deleted afterwards.

    Without `admin_password` every connection is trusted. With it, every connection over TCP
    authenticates with SCRAM-SHA-256 (``pg_hba.conf``: ``host all all 127.0.0.1/32
    scram-sha-256``), the ``postgres`` role's own included (with that password); only the
    server's own Unix socket, in the temporary folder, is trusted. `settings`: more ``-c
    name=value`` for the server."""
    folder = Path(tempfile.mkdtemp(prefix="incidentdesk-pg-"))
    data, sock = folder / "data", folder / "socket"
    sock.mkdir()
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        as_user = {"user": "postgres", "group": "postgres"}
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = free_port()
    auth = ["-A", "trust"]
    if admin_password is not None:
        pwfile = folder / "pw"
        pwfile.write_text(admin_password + "\n")
        if as_user:
            shutil.chown(pwfile, "postgres", "postgres")
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
    started = False
    try:
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                *auth,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **as_user,
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={sock} "
            f"-c max_connections={max_connections} {settings}"
        ).strip()
        subprocess.run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **as_user,
        )
        started = True
        if log is not None:
            log(
                f"own PostgreSQL on 127.0.0.1:{port} in {folder} (max_connections {max_connections})"
            )
        secret = f":{admin_password}" if admin_password is not None else ""
        yield Server(f"postgresql://postgres{secret}@127.0.0.1:{port}/postgres", data, port)
    except subprocess.CalledProcessError as exc:
        tail = (
            (folder / "server.log").read_text()[-2000:] if (folder / "server.log").exists() else ""
        )
        raise ServerNotStarted(f"the server did not start: {exc} {exc.stderr or ''}{tail}") from exc
    finally:
        if started:
            subprocess.run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False,
                stdout=subprocess.DEVNULL,
                **as_user,
            )
        shutil.rmtree(folder, ignore_errors=True)
