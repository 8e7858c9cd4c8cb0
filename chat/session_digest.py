"""How a revocation names one session to every server process: session keys are credentials, so
only a digest of one travels through Redis."""

import hashlib


def session_digest(session_key):
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else None
