"""Typed reads of environment variables, so settings.py reads as a list of decisions."""

import os

from django.core.exceptions import ImproperlyConfigured


def text(name, default=None):
    return os.environ.get(name) or default


def flag(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use true or false")


def integer(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def renamed(old, new):
    """Refuses a setting by its former name: left as it was, it would be ignored without a word."""
    if os.environ.get(old) is not None:
        raise ImproperlyConfigured(f"{old} is now called {new}: rename it in the environment")


def words(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [word.strip() for word in raw.split(",") if word.strip()]


def rate(name, default):
    """`5` is 5 per second with a burst of twice that; `5/20` sets the burst; `0` turns it off."""
    raw = os.environ.get(name) or default
    per_second, _, burst = raw.partition("/")
    try:
        per_second = float(per_second)
        burst = int(burst) if burst else max(1, int(per_second * 2))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected RATE or RATE/BURST, e.g. 5/10") from None
    if per_second < 0 or burst < 1:
        raise ImproperlyConfigured(f"{name}={raw!r}: rate must be >= 0 and burst >= 1")
    return per_second, burst
