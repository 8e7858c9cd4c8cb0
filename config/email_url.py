"""EMAIL_URL: where mail goes, as one setting.

    smtp://user:password@host:587      SMTP with STARTTLS (587, or ?tls=false for none)
    smtps://user:password@host:465     SMTP over TLS
    console://                         printed on the server's console (`make run` without EMAIL_URL)
    locmem://                          kept in memory (tests)
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def parse(url):
    """The EMAIL_* settings the URL stands for."""
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        raise ImproperlyConfigured(f"EMAIL_URL: use one of {', '.join(sorted(BACKENDS))}:// (got {parts.scheme!r})")
    settings = {"EMAIL_BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme in ("smtp", "smtps"):
        query = parse_qs(parts.query)
        settings.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 587),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=parts.scheme == "smtp" and query.get("tls", ["true"])[-1] != "false",
        )
    return settings
