"""`manage.py restore <archive> [--database-url URL]`: restore a backup (tandem.core.backup) into an
EMPTY database — the configured one, or the one named by --database-url — and the media files;
then the row counts and table checksums are checked against the backup's manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.backup import BackupError, Database, restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and check the row counts and checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--database-url", help="target database (default: the configured one)")
        parser.add_argument("--media-root", help="where the uploaded files go (default: MEDIA_ROOT)")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options.get("database_url")
        db = Database.from_url(url) if url else Database.from_settings(settings.DATABASES["default"])
        media_root = Path(options.get("media_root") or settings.MEDIA_ROOT)
        try:
            counts = restore(archive=Path(options["archive"]), db=db, media_root=media_root)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {len(counts)} tables, {sum(counts.values())} rows; counts and checksums match the backup.")
