"""A progress line for long commands, shown only on a terminal (a cron job's log stays clean)."""


class Progress:
    def __init__(self, stream, verb):
        self.stream = stream
        self.verb = verb
        self.shown = stream.isatty()

    def __call__(self, done, total):
        if self.shown:
            share = f" ({done * 100 // total}%)" if total else ""
            self.stream.write(f"\r{self.verb} {done:,} of {total:,} messages{share}", ending="")
            self.stream.flush()

    def finish(self):
        if self.shown:
            self.stream.write("")
