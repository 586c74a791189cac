"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, start, load, stop.

Uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``,
installed by ``.ci/run``) or any ``initdb`` / ``pg_ctl`` on PATH. The server listens on
127.0.0.1 on a free port, with its Unix socket in the same temporary folder, and trusts
nothing: password authentication (scram-sha-256) for every TCP connection. PostgreSQL
refuses to run as root, so under root (CI) every server command runs as the unprivileged
``postgres`` user that the Debian package creates (else ``nobody``), which owns the folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: PostgreSQL type of each contract type.
PG_TYPES = {
    "string": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4].split(".")[0])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    return None


def _server_user() -> str | None:
    """The unprivileged user that runs the server when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    if user is None:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user, "--", *cmd]
    return ["su", user, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway server: ``url(db)`` connects as its superuser with the password."""

    base: Path
    bindir: Path
    port: int
    user: str
    password: str
    run_as: str | None

    def url(self, database: str, *, password: str | None = None, **query: str) -> str:
        pw = self.password if password is None else password
        q = ("?" + "&".join(f"{k}={v}" for k, v in query.items())) if query else ""
        return f"postgresql://{self.user}:{pw}@127.0.0.1:{self.port}/{database}{q}"

    def execute(self, database: str, *statements: str) -> None:
        """Run SQL statements (autocommit) on ``database``."""
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.url(database), autocommit=True) as con, con.cursor() as cur:
            for sql in statements:
                cur.execute(sql)

    def query(self, database: str, sql: str) -> list[tuple]:
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.url(database), autocommit=True) as con, con.cursor() as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        subprocess.run(
            _as_user(
                [str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "fast", "stop"],
                self.run_as,
            ),
            cwd=self.base,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster(bindir: Path) -> Cluster:
    """initdb into a new temporary folder and start a server on a free port; return it."""
    run_as = _server_user()
    base = Path(tempfile.mkdtemp(prefix="bankperf-pg-"))
    password = "pw-" + secrets.token_hex(8)
    (base / "pwfile").write_text(password + "\n", encoding="utf-8")
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        for p in (base, base / "pwfile"):
            os.chown(p, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(base, bindir, _free_port(), "bankperf", password, run_as)
    initdb = [
        str(bindir / "initdb"),
        "-D",
        str(base / "data"),
        "-U",
        cluster.user,
        "--pwfile",
        str(base / "pwfile"),
    ]
    initdb += ["--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"]
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -c unix_socket_directories={base} "
        "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=32MB"
    )
    start = [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "server.log")]
    start += ["-o", options, "-w", "-t", "60", "start"]
    for cmd in (initdb, start):
        res = subprocess.run(_as_user(cmd, run_as), cwd=base, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
            shutil.rmtree(base, ignore_errors=True)
            raise RuntimeError(f"{shlex.join(cmd)} failed:\n{res.stdout}\n{res.stderr}\n{log}")
    return cluster


def load_bank(cluster: Cluster, database: str, folder: Path) -> None:
    """Create ``database`` and load every Parquet table of a data folder into it, typed by the contract.

    Each contract table becomes a PostgreSQL table with its primary key and the column
    types of :data:`PG_TYPES`; rows go in through ADBC's bulk ingest (binary COPY). The
    folder's ``dataset.yaml`` becomes the table ``dataset_meta``: one row per key, the
    value in YAML.
    """
    import adbc_driver_postgresql.dbapi as pg
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from bankperf_analysis.dataset.schema import CONTRACT

    cluster.execute("postgres", f'CREATE DATABASE "{database}"')
    with pg.connect(cluster.url(database), autocommit=True) as con, con.cursor() as cur:
        for name, t in CONTRACT.items():
            file = folder / f"{name}.parquet"
            if not file.exists():
                continue
            # the contract's columns, and the optional ones (branch_name_zh, ...) the file has
            present = set(pq.read_schema(file).names)
            columns = [*t.columns, *(c for c in t.optional_columns if c.name in present)]
            cols = ", ".join(f'"{c.name}" {PG_TYPES[c.dtype]}' for c in columns)
            key = ", ".join(f'"{k}"' for k in t.primary_key)
            cur.execute(f'CREATE TABLE "{name}" ({cols}, PRIMARY KEY ({key}))')
            cur.adbc_ingest(name, pq.read_table(file, columns=[c.name for c in columns]), mode="append")
        meta = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
        rows = {
            "key": list(meta),
            "value": [yaml.safe_dump(v, default_flow_style=True).strip() for v in meta.values()],
        }
        cur.execute("CREATE TABLE dataset_meta (key text PRIMARY KEY, value text)")
        cur.adbc_ingest("dataset_meta", pa.table(rows), mode="append")
