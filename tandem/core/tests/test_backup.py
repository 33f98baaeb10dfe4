"""manage.py backup / restore: SQLite through the online backup API, PostgreSQL through pg_dump."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tandem.core.backup import BackupError, Database, backup, restore, table_checksums, table_counts
from tandem.org.models import Employee


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path; PostgreSQL has its own test below")
def test_sqlite_backup_restores_into_an_empty_database_with_the_same_rows_and_files(org, settings, tmp_path):
    media = tmp_path / "media"
    (media / "statements").mkdir(parents=True)
    (media / "statements" / "выписка.txt").write_bytes(b"1CClientBankExchange\n")
    settings.MEDIA_ROOT = str(media)
    connection.ensure_connection()
    source_counts = table_counts(Database("sqlite", ":memory:"), sqlite_conn=connection.connection)

    call_command("backup", output_dir=str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("tandem-*.tar.gz"))
    target = tmp_path / "restored.sqlite3"
    call_command("restore", str(archive), database_url=f"sqlite:///{target}", media_root=str(tmp_path / "media2"))

    with sqlite3.connect(target) as restored:
        assert table_counts(Database("sqlite", str(target)), sqlite_conn=restored) == source_counts
        assert restored.execute("SELECT username FROM org_user WHERE username = 'am1'").fetchone() == ("am1",)
    assert source_counts["org_employee"] == Employee.objects.count() > 0
    assert (tmp_path / "media2" / "statements" / "выписка.txt").read_bytes() == b"1CClientBankExchange\n"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path")
def test_restore_refuses_a_database_that_is_not_empty(org, tmp_path):
    call_command("backup", output_dir=str(tmp_path))
    archive = next(tmp_path.glob("tandem-*.tar.gz"))
    target = tmp_path / "live.sqlite3"
    with sqlite3.connect(target) as live:
        live.execute("CREATE TABLE t (x)")
        live.execute("INSERT INTO t VALUES (1)")

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), database_url=f"sqlite:///{target}", media_root=str(tmp_path / "m"))

    with sqlite3.connect(target) as live:
        assert live.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)


def _pg_admin() -> Database | None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return None
    admin = Database("postgresql", "postgres", user="postgres", host="127.0.0.1", port="5432")
    try:
        admin.pg_connect().close()
    except Exception:  # noqa: BLE001 — no server here: the test is skipped
        return None
    return admin


PG_ADMIN = _pg_admin()


@pytest.mark.skipif(PG_ADMIN is None, reason="pg_dump/pg_restore or a PostgreSQL server at 127.0.0.1:5432 missing")
def test_postgresql_backup_restores_into_an_empty_database(tmp_path):
    assert PG_ADMIN is not None
    suffix = uuid.uuid4().hex[:8]
    source, target = (Database("postgresql", f"tandem_backup_{n}_{suffix}", user="postgres", host="127.0.0.1",
                               port="5432") for n in ("src", "dst"))
    with PG_ADMIN.pg_connect() as admin:
        admin.execute(f'CREATE DATABASE "{source.name}"')
        admin.execute(f'CREATE DATABASE "{target.name}"')
    try:
        with source.pg_connect() as conn:
            conn.execute("CREATE TABLE invoice (id serial PRIMARY KEY, amount numeric(14, 2))")
            conn.execute("INSERT INTO invoice (amount) SELECT g * 1.5 FROM generate_series(1, 250) g")
            conn.execute("CREATE TABLE payment (id serial PRIMARY KEY, invoice_id int REFERENCES invoice)")
            conn.execute("INSERT INTO payment (invoice_id) SELECT g FROM generate_series(1, 40) g")

        archive = backup(db=source, media_root=tmp_path / "no-media", out_dir=tmp_path, now=datetime(2026, 12, 3, 12))
        counts = restore(archive=archive, db=target, media_root=tmp_path / "media")

        assert archive.name == "tandem-20261203-120000.tar.gz"
        assert counts == {"invoice": 250, "payment": 40}
        assert table_checksums(target) == table_checksums(source) == _manifest(archive)["table_checksums"]
        with target.pg_connect() as conn:
            assert conn.execute("SELECT SUM(amount) FROM invoice").fetchone()[0] == sum(g * 1.5 for g in range(1, 251))
        with pytest.raises(BackupError, match="not empty"):
            restore(archive=archive, db=target, media_root=tmp_path / "media")
    finally:
        with PG_ADMIN.pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{source.name}"')
            admin.execute(f'DROP DATABASE IF EXISTS "{target.name}"')


def test_an_archive_for_another_vendor_is_refused(tmp_path):
    src = tmp_path / "src.sqlite3"
    with sqlite3.connect(src) as conn:
        conn.execute("CREATE TABLE t (x)")
    archive = backup(db=Database("sqlite", str(src)), media_root=tmp_path / "none", out_dir=tmp_path,
                     now=datetime(2026, 1, 1))

    with pytest.raises(BackupError, match="sqlite backup"):
        restore(archive=archive, db=Database("postgresql", "whatever"), media_root=tmp_path)
    assert Path(archive).is_file()


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def _small_sqlite(path: Path) -> Database:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, number TEXT, amount DECIMAL, paid_at DATETIME)")
        conn.executemany("INSERT INTO invoice VALUES (?, ?, ?, ?)", [
            (2, "СЧ-2", "1500.50", "2026-12-02 10:00:00"), (1, "СЧ-1", "100.00", None), (3, "СЧ-3", "7.10", None)])
        conn.execute("CREATE TABLE tag (name TEXT PRIMARY KEY, data BLOB)")
        conn.execute("INSERT INTO tag VALUES ('b', x'00ff'), ('a', NULL)")
    return Database("sqlite", str(path))


def test_the_manifest_holds_a_checksum_per_table_that_the_restore_reproduces(tmp_path):
    source = _small_sqlite(tmp_path / "src.sqlite3")
    archive = backup(db=source, media_root=tmp_path / "none", out_dir=tmp_path, now=datetime(2026, 12, 3, 12))
    target = Database("sqlite", str(tmp_path / "restored.sqlite3"))

    restore(archive=archive, db=target, media_root=tmp_path / "media")

    checksums = _manifest(archive)["table_checksums"]
    assert set(checksums) == {"invoice", "tag"}
    assert table_checksums(target) == checksums


def test_a_checksum_follows_the_rows_not_the_order_they_were_written_in(tmp_path):
    first = _small_sqlite(tmp_path / "a.sqlite3")
    second = tmp_path / "b.sqlite3"
    with sqlite3.connect(second) as conn:
        conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, number TEXT, amount DECIMAL, paid_at DATETIME)")
        conn.executemany("INSERT INTO invoice VALUES (?, ?, ?, ?)", [
            (3, "СЧ-3", "7.10", None), (1, "СЧ-1", "100.00", None), (2, "СЧ-2", "1500.50", "2026-12-02 10:00:00")])

    assert table_checksums(first)["invoice"] == table_checksums(Database("sqlite", str(second)))["invoice"]


def test_a_tampered_archive_is_refused(tmp_path):
    """One amount changed in the archived database, the manifest (and the row counts) untouched."""
    source = _small_sqlite(tmp_path / "src.sqlite3")
    archive = backup(db=source, media_root=tmp_path / "none", out_dir=tmp_path / "out", now=datetime(2026, 12, 3, 12))
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    with sqlite3.connect(unpacked / "database.sqlite3") as conn:
        conn.execute("UPDATE invoice SET amount = '1.00' WHERE id = 2")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for name in ("manifest.json", "database.sqlite3"):
            tar.add(unpacked / name, arcname=name)

    with pytest.raises(CommandError, match="differs from the backup .* in: invoice"):
        call_command("restore", str(tampered), database_url=f"sqlite:///{tmp_path / 'restored.sqlite3'}",
                     media_root=str(tmp_path / "media"))


@pytest.mark.skipif(PG_ADMIN is None, reason="pg_dump/pg_restore or a PostgreSQL server at 127.0.0.1:5432 missing")
def test_postgresql_backup_is_one_snapshot_while_others_write(tmp_path, monkeypatch):
    """Rows committed by others while pg_dump runs (just before and just after it) are neither in
    the dump nor in the manifest: both come from the snapshot taken when the backup started, so
    the restore's checksum check agrees with the dump."""
    import tandem.core.backup as backup_module

    assert PG_ADMIN is not None
    suffix = uuid.uuid4().hex[:8]
    source, target = (Database("postgresql", f"tandem_backup_{n}_{suffix}", user="postgres", host="127.0.0.1",
                               port="5432") for n in ("snap", "dst2"))
    with PG_ADMIN.pg_connect() as admin:
        admin.execute(f'CREATE DATABASE "{source.name}"')
        admin.execute(f'CREATE DATABASE "{target.name}"')
    real_run = backup_module._run

    def run_with_writes_around(cmd, env):  # type: ignore[no-untyped-def]
        with source.pg_connect() as other:
            other.execute("INSERT INTO invoice (amount) VALUES (1), (2)")
        real_run(cmd, env)
        with source.pg_connect() as other:
            other.execute("INSERT INTO invoice (amount) VALUES (3)")
            other.execute("DELETE FROM invoice WHERE id = 1")

    try:
        with source.pg_connect() as conn:
            conn.execute("CREATE TABLE invoice (id serial PRIMARY KEY, amount numeric(14, 2))")
            conn.execute("INSERT INTO invoice (amount) SELECT g FROM generate_series(1, 100) g")
        monkeypatch.setattr(backup_module, "_run", run_with_writes_around)
        archive = backup(db=source, media_root=tmp_path / "no-media", out_dir=tmp_path, now=datetime(2026, 12, 3, 13))
        monkeypatch.setattr(backup_module, "_run", real_run)

        assert _manifest(archive)["row_counts"] == {"invoice": 100}
        assert restore(archive=archive, db=target, media_root=tmp_path / "media") == {"invoice": 100}
        with target.pg_connect() as conn:
            assert conn.execute("SELECT SUM(amount), MIN(id) FROM invoice").fetchone() == (5050, 1)
        with source.pg_connect() as conn:  # the writes did happen, after the snapshot
            assert conn.execute("SELECT COUNT(*) FROM invoice").fetchone()[0] == 102
    finally:
        with PG_ADMIN.pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{source.name}"')
            admin.execute(f'DROP DATABASE IF EXISTS "{target.name}"')
