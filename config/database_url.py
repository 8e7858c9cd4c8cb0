"""DATABASE_URL to Django's DATABASES entry, including libpq's multi-host form.

`postgres://user@db1:5432,db2:5432/kc3chat?target_session_attrs=read-write` names a primary and its
standby: libpq (through psycopg and its pool) tries them in order and keeps the one that accepts
writes, so after a standby is promoted new connections find it without a change of settings.
dj-database-url refuses that form (it reads one host and one port), so the host list is taken out,
the rest parsed as usual, and the list handed to psycopg as libpq's comma-separated host and port.
"""

from urllib.parse import unquote, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

DEFAULT_POSTGRES_PORT = "5432"


def parse(url, **options):
    """dj_database_url.parse(url, **options), also for a postgres URL with several hosts."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return dj_database_url.parse(url, **options)
    if not parts.scheme.startswith("postgres"):
        raise ImproperlyConfigured(f"DATABASE_URL: several hosts work with PostgreSQL only, not {parts.scheme}")
    addresses = [_host_and_port(address) for address in hosts.split(",")]
    first_host = "@".join(filter(None, [credentials, "placeholder"]))
    config = dj_database_url.parse(urlunsplit(parts._replace(netloc=first_host)), **options)
    config["HOST"] = ",".join(host for host, _ in addresses)
    config["PORT"] = ",".join(port for _, port in addresses)
    return config


def _host_and_port(address):
    if address.startswith("["):  # [IPv6]:port
        host, _, rest = address[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    if not host or (port and not port.isdigit()):
        raise ImproperlyConfigured(f"DATABASE_URL: {address!r} is not host or host:port")
    return unquote(host), port or DEFAULT_POSTGRES_PORT
