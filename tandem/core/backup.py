"""Backups of the database and uploaded files into one archive, and their restore.

An archive `tandem-<YYYYmmdd-HHMMSS>.tar.gz` holds:
- `manifest.json`: database vendor, time, and the number of rows of every table;
- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a copy
  made with the online backup API, consistent while the site keeps writing);
- `media/…`: the uploaded files (MEDIA_ROOT).

Restore goes into an EMPTY database only (no tables: a fresh `createdb`, or a missing SQLite
file), so it can never merge into or overwrite live data; then the row counts are compared with
the manifest and any difference is an error. Plain Python: the management commands `backup` and
`restore` call it; tests call it directly.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
PG_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
MEDIA_DIR = "media"


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class Database:
    """Where the data is: a PostgreSQL database (connection settings) or an SQLite file."""

    vendor: str  # "postgresql" | "sqlite"
    name: str  # database name, or the SQLite file path
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, db: dict[str, Any]) -> Database:
        engine = db["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(db["NAME"]))
        if "postgresql" in engine:
            return cls("postgresql", str(db["NAME"]), str(db.get("USER") or ""), str(db.get("PASSWORD") or ""),
                       str(db.get("HOST") or ""), str(db.get("PORT") or ""))
        raise BackupError(f"Unsupported database engine {engine}.")

    @classmethod
    def from_url(cls, url: str) -> Database:
        import dj_database_url

        return cls.from_settings(dict(dj_database_url.parse(url)))

    def pg_args(self) -> list[str]:
        args = ["--dbname", self.name]
        for flag, value in (("--host", self.host), ("--port", self.port), ("--username", self.user)):
            if value:
                args += [flag, value]
        return args

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def pg_connect(self) -> Any:
        import psycopg

        return psycopg.connect(dbname=self.name, user=self.user or None, password=self.password or None,
                               host=self.host or None, port=self.port or None, autocommit=True)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(conn)}


def _pg_counts(db: Database) -> dict[str, int]:
    with db.pg_connect() as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def table_counts(db: Database, *, sqlite_conn: sqlite3.Connection | None = None) -> dict[str, int]:
    """Rows per table (what a restore is checked against)."""
    if db.vendor == "postgresql":
        return _pg_counts(db)
    if sqlite_conn is not None:
        return _sqlite_counts(sqlite_conn)
    if not Path(db.name).exists():
        return {}
    with sqlite3.connect(db.name) as conn:
        return _sqlite_counts(conn)


def _run(cmd: list[str], env: dict[str, str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} is not installed (the PostgreSQL client tools are needed).")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[:2000]}")


def backup(*, db: Database, media_root: Path, out_dir: Path, now: datetime,
           sqlite_conn: sqlite3.Connection | None = None) -> Path:
    """Write a timestamped archive of the database and the media files into `out_dir`; returns it.

    For SQLite `sqlite_conn` may be the open connection to copy (the one Django uses)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"tandem-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if db.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp / PG_FILE), *db.pg_args()], db.pg_env())
            db_file = PG_FILE
        else:
            source = sqlite_conn or sqlite3.connect(db.name)
            target = sqlite3.connect(tmp / SQLITE_FILE)
            try:
                source.backup(target)
            finally:
                target.close()
                if sqlite_conn is None:
                    source.close()
            db_file = SQLITE_FILE
        manifest = {
            "format": 1, "vendor": db.vendor, "created_at": now.isoformat(), "database_file": db_file,
            "row_counts": table_counts(db, sqlite_conn=sqlite_conn),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp / MANIFEST, arcname=MANIFEST)
            tar.add(tmp / db_file, arcname=db_file)
            if media_root.is_dir():
                tar.add(media_root, arcname=MEDIA_DIR)
    return archive


def _is_empty(db: Database) -> bool:
    return not table_counts(db)


def restore(*, archive: Path, db: Database, media_root: Path) -> dict[str, int]:
    """Restore an archive into an empty database (and the media files); returns the row counts,
    which equal the manifest's. BackupError when the database is not empty, the archive is for
    another database vendor, or the counts differ."""
    if not archive.is_file():
        raise BackupError(f"No such archive: {archive}.")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        manifest = json.loads((tmp / MANIFEST).read_text())
        if manifest["vendor"] != db.vendor:
            raise BackupError(f"The archive is a {manifest['vendor']} backup; the target database is {db.vendor}.")
        if not _is_empty(db):
            raise BackupError("The target database is not empty: restore only into a new, empty database.")
        if db.vendor == "postgresql":
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *db.pg_args(), str(tmp / PG_FILE)],
                 db.pg_env())
        else:
            Path(db.name).parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(tmp / SQLITE_FILE)
            target = sqlite3.connect(db.name)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        if (tmp / MEDIA_DIR).is_dir():
            shutil.copytree(tmp / MEDIA_DIR, media_root, dirs_exist_ok=True)
        counts = table_counts(db)
        if counts != manifest["row_counts"]:
            differ = sorted(t for t in set(counts) | set(manifest["row_counts"])
                            if counts.get(t) != manifest["row_counts"].get(t))
            raise BackupError(f"Restored row counts differ from the backup in: {', '.join(differ[:20])}.")
        return counts
