"""A PostgreSQL primary and a streaming standby on this machine, from the installed PostgreSQL, for the
failover scenario of `make chaos-failover`.

Both clusters live under one temporary folder, listen on their own ports on 127.0.0.1 and run as the
`postgres` user (initdb refuses root); the machine's own cluster (15/main on 5432) is never touched.
`synchronous=True` makes the standby synchronous (`synchronous_standby_names`, `synchronous_commit = on`):
a commit returns only once the standby has the WAL, which is what keeps an acknowledged application through
the primary's loss. Services reach the pair through one multi-host URL with `target_session_attrs=read-write`,
so after the standby is promoted their pools reconnect to it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zairyu_shared.testing import free_port  # below the ephemeral range: a node binds seconds after

PG_BIN = Path(os.environ.get("ZAIRYU_PG_BIN", "/usr/lib/postgresql/15/bin"))
STANDBY_NAME = "zairyu_standby"


def available() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"initdb not found in {PG_BIN} (Debian's postgresql package)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no 'postgres' user to run the clusters as"
    return None


def _as_postgres(argv: list[str], timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=check)


@dataclass
class Server:
    name: str
    port: int
    data: Path

    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def start(self) -> None:
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.data / "server.log"),
                "-o",
                f"-p {self.port} -k {self.data}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends: the machine gone, nothing flushed that was not already."""
        pid = self.pid()
        if pid is None:
            return
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for p in [pid, *map(int, children)]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.pid() is not None:
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"], check=False)


@dataclass
class Pair:
    primary: Server
    standby: Server
    synchronous: bool

    def url(self, database: str) -> str:
        """One URL naming both servers; libpq picks the one that accepts writes."""
        return (
            f"postgresql+psycopg://postgres@/{database}?host=127.0.0.1:{self.primary.port}"
            f"&host=127.0.0.1:{self.standby.port}&target_session_attrs=read-write&connect_timeout=3"
        )

    def admin_url(self, server: Server, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{database}"

    def promote(self) -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.standby.data), "-w", "-t", "60", "promote"])
        if self.synchronous:
            # The promoted server inherited `synchronous_standby_names` naming itself; alone, every commit would
            # wait forever for a partner. With two servers the survivor can only run alone until a new standby is
            # made (CloudNativePG's three instances keep a synchronous partner through one loss).
            import sqlalchemy as sa

            engine = sa.create_engine(
                self.admin_url(self.standby), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
            )
            with engine.connect() as c:
                c.execute(sa.text("ALTER SYSTEM SET synchronous_standby_names = ''"))
                c.execute(sa.text("SELECT pg_reload_conf()"))
            engine.dispose()

    def walsender_pid(self) -> int:
        """The primary's process streaming WAL to the standby (stopping it stops the shipping at the source,
        so nothing sits in a socket buffer to be read after the primary is gone)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url(self.primary), poolclass=sa.pool.NullPool)
        with engine.connect() as c:
            pid = c.execute(
                sa.text("SELECT pid FROM pg_stat_replication WHERE application_name = :n"), {"n": STANDBY_NAME}
            ).scalar()
        engine.dispose()
        if not pid:
            raise RuntimeError("the primary streams to no standby")
        return int(pid)

    def replay_lag_bytes(self) -> int:
        """How far the standby's replay is behind the primary's current WAL position."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url(self.primary), poolclass=sa.pool.NullPool)
        with engine.connect() as c:
            lag = c.execute(
                sa.text(
                    "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) "
                    "FROM pg_stat_replication"
                )
            ).scalar()
        engine.dispose()
        return int(lag or 0)

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()


@contextmanager
def pg_pair(workdir: Path, synchronous: bool) -> Iterator[Pair]:
    why = available()
    if why:
        raise RuntimeError(why)
    # the clusters run as `postgres`, who must reach their folder: not under pytest's 0700 temporary folders
    import tempfile

    root = Path(tempfile.mkdtemp(prefix=f"zairyu-pg-{'sync' if synchronous else 'async'}-"))
    root.chmod(0o755)
    pw = pwd.getpwnam("postgres")
    os.chown(root, pw.pw_uid, pw.pw_gid)
    (workdir / "pg-pair-folder").write_text(str(root))  # where the servers' logs are, while it runs
    primary = Server("primary", free_port(), root / "primary")
    standby = Server("standby", free_port(), root / "standby")
    pair = Pair(primary, standby, synchronous)
    try:
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(primary.data), "-A", "trust", "-U", "postgres", "--no-instructions"]
        )
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 4\n"
                "hot_standby = on\nfsync = on\nmax_connections = 200\n"
            )
            if synchronous:
                conf.write(f"synchronous_standby_names = '{STANDBY_NAME}'\nsynchronous_commit = on\n")
        with open(primary.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start()
        _as_postgres(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(standby.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
            timeout=300,
        )
        with open(standby.data / "postgresql.auto.conf", "a") as auto:
            auto.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                f"application_name={STANDBY_NAME}'\n"
            )
        standby.start()
        _wait_streaming(pair)
        yield pair
    finally:
        pair.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_streaming(pair: Pair, timeout: float = 60) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pair.admin_url(pair.primary), poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as c:
                row = c.execute(
                    sa.text("SELECT state, sync_state FROM pg_stat_replication WHERE application_name = :n"),
                    {"n": STANDBY_NAME},
                ).first()
            want = "sync" if pair.synchronous else "async"
            if row is not None and row.state == "streaming" and row.sync_state == want:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"standby not streaming as {want}: {row}")
            time.sleep(0.2)
    finally:
        engine.dispose()
