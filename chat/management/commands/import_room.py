"""manage.py import_room FILE: a room archive into an empty database (chat/room_archive.py)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from chat import room_archive
from chat.management.progress import Progress


class Command(BaseCommand):
    help = "Store the messages of a room archive (from export_room) in this database, whose room must be empty."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive; - for standard input")

    def handle(self, file, **options):
        progress = Progress(self.stderr, "imported")
        source = sys.stdin if file == "-" else open(file, encoding="utf-8")
        try:
            count = room_archive.import_lines((line.rstrip("\n") for line in source), progress)
        except room_archive.ArchiveError as error:
            raise CommandError(str(error)) from None
        finally:
            if source is not sys.stdin:
                source.close()
        progress.finish()
        self.stdout.write(f"Imported {count:,} messages.")
