"""What a reply shows of the message it answers: the start of its text."""

EXCERPT_MAX = 100


def excerpt(text):
    """At most EXCERPT_MAX characters of the start of a text, ending in … when cut."""
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"
