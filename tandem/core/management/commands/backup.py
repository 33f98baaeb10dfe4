"""`manage.py backup [--output-dir DIR]`: database (pg_dump or the SQLite backup API) and media
files into a timestamped archive (tandem.core.backup). Default directory: var/backups/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from tandem.core.backup import BackupError, Database, backup


class Command(BaseCommand):
    help = "Back up the database and uploaded files into var/backups/tandem-<time>.tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", default=str(Path(settings.VAR_DIR) / "backups"))

    def handle(self, *args: Any, **options: Any) -> None:
        db = Database.from_settings(settings.DATABASES["default"])
        sqlite_conn = None
        if db.vendor == "sqlite":
            connection.ensure_connection()
            sqlite_conn = connection.connection  # the same (possibly in-memory) database Django uses
        try:
            archive = backup(db=db, media_root=Path(settings.MEDIA_ROOT), out_dir=Path(options["output_dir"]),
                             now=timezone.localtime(), sqlite_conn=sqlite_conn)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(archive))
