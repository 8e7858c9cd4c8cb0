"""manage.py export_room [FILE]: the room's messages as JSON Lines (chat/room_archive.py)."""

from django.core.management.base import BaseCommand

from chat import room_archive
from chat.management.progress import Progress


class Command(BaseCommand):
    help = "Write the room's messages, oldest first, as JSON Lines to FILE (or standard output)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="where to write; - for standard output")

    def handle(self, file, **options):
        progress = Progress(self.stderr, "exported")
        if file == "-":
            for line in room_archive.export_lines(progress):
                self.stdout.write(line)
        else:
            with open(file, "w", encoding="utf-8") as target:
                for line in room_archive.export_lines(progress):
                    target.write(line + "\n")
        progress.finish()
