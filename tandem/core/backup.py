"""Backups of the database and uploaded files into one archive, and their restore.

An archive `tandem-<YYYYmmdd-HHMMSS>.tar.gz` holds:
- `manifest.json`: database vendor, time, the number of rows of every table and a checksum of
  every table's contents (`table_checksums`);
- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a copy
  made with the online backup API, consistent while the site keeps writing);
- `media/…`: the uploaded files (MEDIA_ROOT).

Restore goes into an EMPTY database only (no tables: a fresh `createdb`, or a missing SQLite
file), so it can never merge into or overwrite live data; then the row counts and the table
checksums are compared with the manifest and any difference is an error (a damaged or tampered
archive is refused; the half-restored database is then to be dropped).

A table's checksum is SHA-256 over its rows ordered by primary key (then by every other column):
each row is its column values, normalised the same way on SQLite and PostgreSQL (NULL, numbers
and decimals as text, aware date-times in UTC, bytes in hex, JSON with sorted keys), one JSON line
per row. It is computed by the same code at backup and after restore. Plain Python: the management commands `backup` and
`restore` call it; tests call it directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
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


def _pg_tables(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]


def _pg_counts_on(conn: Any) -> dict[str, int]:
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in _pg_tables(conn)}


def _pg_counts(db: Database) -> dict[str, int]:
    with db.pg_connect() as conn:
        return _pg_counts_on(conn)


def _plain(value: Any) -> Any:
    """One column value as a JSON value that reads the same from either database driver."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta | Decimal | float):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _checksum(rows: Any) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([_plain(v) for v in row], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _ordered_select(table: str, columns: Sequence[str], primary_key: Sequence[str]) -> str:
    order = [*primary_key, *(c for c in columns if c not in primary_key)]
    cols = ", ".join(f'"{c}"' for c in columns)
    return f'SELECT {cols} FROM "{table}" ORDER BY ' + ", ".join(f'"{c}"' for c in order)


def _sqlite_checksums(conn: sqlite3.Connection) -> dict[str, str]:
    result = {}
    for table in _sqlite_tables(conn):
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()  # cid, name, type, notnull, default, pk
        columns = [r[1] for r in info]
        primary_key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        result[table] = _checksum(conn.execute(_ordered_select(table, columns, primary_key)))
    return result


def _pg_checksums_on(conn: Any) -> dict[str, str]:
    result = {}
    for table in _pg_tables(conn):
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position", (table,)).fetchall()]
        primary_key = [r[0] for r in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", (f'public."{table}"',)).fetchall()]
        result[table] = _checksum(conn.execute(_ordered_select(table, columns, primary_key)))
    return result


def _pg_checksums(db: Database) -> dict[str, str]:
    with db.pg_connect() as conn:
        return _pg_checksums_on(conn)


def table_checksums(db: Database) -> dict[str, str]:
    """A checksum of every table's contents (see the module docstring): what a restore is checked
    against. SQLite is read through its own plain connection, so values come as stored."""
    if db.vendor == "postgresql":
        return _pg_checksums(db)
    conn = sqlite3.connect(db.name)
    try:
        return _sqlite_checksums(conn)
    finally:
        conn.close()


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


def _pg_dump_consistent(db: Database, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Dump the database and count and checksum its tables, all from one snapshot: a REPEATABLE
    READ transaction exports its snapshot, pg_dump reads through it (`--snapshot`) and the
    manifest is computed in the same transaction — so writes made while the backup runs can
    neither land in the dump nor make the manifest disagree with it."""
    with db.pg_connect() as conn:
        conn.autocommit = False
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(target),
              *db.pg_args()], db.pg_env())
        counts, checksums = _pg_counts_on(conn), _pg_checksums_on(conn)
        conn.rollback()
    return counts, checksums


def backup(*, db: Database, media_root: Path, out_dir: Path, now: datetime,
           sqlite_conn: sqlite3.Connection | None = None) -> Path:
    """Write a timestamped archive of the database and the media files into `out_dir`; returns it.

    For SQLite `sqlite_conn` may be the open connection to copy (the one Django uses)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"tandem-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if db.vendor == "postgresql":
            manifest_counts, manifest_checksums = _pg_dump_consistent(db, tmp / PG_FILE)
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
            # Counted and summed over the copy (what the archive holds), read by a plain
            # connection (Django's converts column types).
            copy = Database("sqlite", str(tmp / SQLITE_FILE))
            manifest_counts, manifest_checksums = table_counts(copy), table_checksums(copy)
        manifest = {
            "format": 1, "vendor": db.vendor, "created_at": now.isoformat(), "database_file": db_file,
            "row_counts": manifest_counts,
            "table_checksums": manifest_checksums,
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
    another database vendor, or the counts or the table checksums differ (a damaged or tampered
    archive). Archives made before checksums were recorded are checked by row counts only."""
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
        expected = manifest.get("table_checksums")
        if expected is not None:
            checksums = table_checksums(db)
            differ = sorted(t for t in set(checksums) | set(expected) if checksums.get(t) != expected.get(t))
            if differ:
                raise BackupError(
                    "The restored data differs from the backup (the archive is damaged or was altered) in: "
                    f"{', '.join(differ[:20])}. Drop the restored database; do not use it.")
        return counts
