"""uvicorn's websockets-sansio protocol (`make run` gets it as uvicorn's default, `make serve` names it)
logs an ERROR with a traceback when a client sends a text frame that is not UTF-8, then closes that
socket with 1007 as RFC 6455 asks. That is a broken or hostile client, not a fault of the server: this
filter, on the uvicorn.error logger (settings.LOGGING), turns exactly that record into one INFO line."""

import logging

INVALID_UTF8_MESSAGE = "Invalid UTF-8 sequence received from client."  # uvicorn's wording


class InvalidUtf8FromClient(logging.Filter):
    def filter(self, record):
        if record.msg != INVALID_UTF8_MESSAGE or not record.exc_info or record.exc_info[0] is not UnicodeDecodeError:
            return True
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        record.msg, record.args = "a client sent a text frame that is not UTF-8: its socket is closed with 1007", ()
        record.exc_info = record.exc_text = None
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)
