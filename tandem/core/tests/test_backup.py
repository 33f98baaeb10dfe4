"""manage.py backup / restore: SQLite through the online backup API, PostgreSQL through pg_dump."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tandem.core.backup import BackupError, Database, backup, restore, table_counts
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
