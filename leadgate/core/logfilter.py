"""A logging safety net that masks phones, e-mail addresses and card numbers.

Code must not log personal data in the first place. This filter catches what slips
through, such as a message text inside an exception or a phone in a query string. It
uses cheap regular expressions only, never the name model, so it costs little per
record.

:func:`install_log_filter` does three things, each once per process:

* wraps the log record factory, so every record of a ``leadgate.*`` or ``uvicorn.*``
  logger has its message masked when it is created, whichever handler it reaches;
* adds a :class:`PersonalDataFilter` to the ``leadgate`` logger;
* adds the filter to the handlers that exist at that moment on the root logger and the
  ``leadgate`` and ``uvicorn`` loggers, where it also masks formatted tracebacks.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from leadgate.core.checksums import luhn_valid

MASKED_LOGGERS = ("leadgate", "uvicorn")
"""Logger name prefixes whose records are masked when created."""

# The look-behind lets a match start only where a local part can start, which keeps
# the search linear on a long run of letters (a logged payload, say).
_EMAIL = re.compile(r"(?<![\w.+\-%'])[\w.+\-%']+\s?[@＠﹫]\s?(?:[\w\-]+\.)+[^\W\d_]{2,}")
# Russian numbers (+7, 7 or 8 and ten digits, or a bare 9xx mobile) with the usual
# separators, and international numbers written with "+".
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+\s?7|7|8)[\s\-.(]{0,3}\d{3}|\(?9\d{2})[\s\-.)]{0,3}\d{3}[\s\-.]{0,2}\d{2}[\s\-.]{0,2}\d{2}(?!\d)"
    r"|\+\d{1,3}[\s\-.(]{0,3}\d{1,4}[\s\-.)]{0,3}\d{2,4}[\s\-.]{0,2}\d{2,4}(?:[\s\-.]{0,2}\d{1,4})?(?!\d)"
)
_CARD = re.compile(r"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)")

_lock = threading.Lock()
_installed_factory = False


def mask_personal_data(text: str) -> str:
    """Return ``text`` with e-mail addresses, phones and Luhn-valid card numbers masked."""
    if not any(char.isdigit() or char in "@＠﹫" for char in text):
        return text
    text = _EMAIL.sub("[EMAIL]", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub("[PHONE]", text)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if luhn_valid(digits) else match.group()


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record's message and formatted traceback; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask ``record`` in place and let it through."""
        _mask_record(record)
        if record.exc_info and not record.exc_text:
            # The formatter reuses exc_text, so the masked traceback is what is written.
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info)
            )
        elif record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


def _mask_record(record: logging.LogRecord) -> None:
    # String arguments are masked in place first, because some formatters (uvicorn's
    # access log) read ``record.args`` by position and need them kept.
    if isinstance(record.args, tuple):
        record.args = tuple(_mask_value(value) for value in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _mask_value(value) for key, value in record.args.items()}
    record.msg = _mask_value(record.msg)

    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        # Arguments that do not fit the format string are left for the logging
        # module to report.
        return
    masked = mask_personal_data(message)
    if masked != message and not _KEEPS_ARGS.match(record.name):
        # A non-string argument (an int, an object) rendered personal data.
        record.msg = masked
        record.args = None


_KEEPS_ARGS = re.compile(r"uvicorn\.access$")


def _mask_value(value: Any) -> Any:
    return mask_personal_data(value) if isinstance(value, str) else value


def _masking_factory(
    previous: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def create(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.split(".", 1)[0] in MASKED_LOGGERS:
            _mask_record(record)
        return record

    return create


def install_log_filter() -> PersonalDataFilter:
    """Install the masking filter (see the module docstring); safe to call repeatedly."""
    global _installed_factory
    with _lock:
        if not _installed_factory:
            logging.setLogRecordFactory(_masking_factory(logging.getLogRecordFactory()))
            _installed_factory = True

        leadgate_logger = logging.getLogger("leadgate")
        log_filter = _existing_filter(leadgate_logger) or PersonalDataFilter()
        _attach(leadgate_logger, log_filter)

        loggers = [logging.getLogger(), *(logging.getLogger(name) for name in MASKED_LOGGERS)]
        loggers += [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn.access")]
        for logger in loggers:
            for handler in logger.handlers:
                _attach(handler, log_filter)
        return log_filter


def _existing_filter(filterer: logging.Filterer) -> PersonalDataFilter | None:
    return next((item for item in filterer.filters if isinstance(item, PersonalDataFilter)), None)


def _attach(filterer: logging.Filterer, log_filter: PersonalDataFilter) -> None:
    if _existing_filter(filterer) is None:
        filterer.addFilter(log_filter)
