"""The log filter masks phones, e-mail addresses and card numbers that reach a log line."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator

import pytest

from leadgate.core import logfilter
from leadgate.core.logfilter import PersonalDataFilter, install_log_filter, mask_personal_data


@pytest.fixture
def installed() -> Iterator[None]:
    """Install the filter and undo it afterwards, so other tests see plain logging."""
    factory = logging.getLogRecordFactory()
    leadgate_filters = list(logging.getLogger("leadgate").filters)
    root_handlers = list(logging.getLogger().handlers)
    install_log_filter()
    yield
    logging.setLogRecordFactory(factory)
    logfilter._installed_factory = False
    logging.getLogger("leadgate").filters[:] = leadgate_filters
    for handler in root_handlers:
        for item in list(handler.filters):
            if isinstance(item, PersonalDataFilter):
                handler.removeFilter(item)


def capture(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client 89130000001 wrote", "client [PHONE] wrote"),
        ("client +7 (913) 000-00-01 wrote", "client [PHONE] wrote"),
        ("phone=9130000001&x=1", "phone=[PHONE]&x=1"),
        ("intl +49 151 23456789", "intl [PHONE]"),
        ("mail anna.petrova@mail.ru sent", "mail [EMAIL] sent"),
        ("mail anna＠пример.рф sent", "mail [EMAIL] sent"),
        ("card 2200 1234 5678 9019 paid", "card [CARD] paid"),
        ("card 4111111111111111 paid", "card [CARD] paid"),
    ],
    ids=[
        "bare-phone",
        "formatted-phone",
        "mobile-in-query",
        "international",
        "email",
        "cyrillic-email",
        "mir-card",
        "visa-card",
    ],
)
def test_mask_hides_personal_data(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "outbox item 42 sent in 0.35 s, status 200",
        "2026-12-04 19:55:00,123 sweep done",
        "update_id 123456789 from chat 555",
        "order 1234567890123 not a card",
        "price 1 500 rub at 10:00-20:00",
    ],
    ids=["metrics", "timestamp", "telegram-ids", "non-luhn-digits", "price-and-hours"],
)
def test_mask_keeps_ordinary_lines(text: str) -> None:
    assert mask_personal_data(text) == text


def test_installed_filter_masks_child_logger_message_and_args(installed: None) -> None:
    logger, stream = capture("leadgate.test.child")

    logger.info("lead from %s with %s", "89130000001", "anna@mail.ru")
    logger.info("number as int %d", 89130000001)

    assert stream.getvalue().splitlines() == [
        "lead from [PHONE] with [EMAIL]",
        "number as int [PHONE]",
    ]


def test_installed_filter_masks_traceback(installed: None) -> None:
    logger, stream = capture("leadgate.test.traceback")
    handler = logger.handlers[0]
    handler.addFilter(PersonalDataFilter())

    try:
        raise ValueError("bad value 89130000001")
    except ValueError:
        logger.exception("failed")

    output = stream.getvalue()
    assert "ValueError: bad value [PHONE]" in output
    assert "89130000001" not in output


def test_installed_filter_keeps_uvicorn_access_args(installed: None) -> None:
    logger, stream = capture("uvicorn.access")

    logger.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/chat?phone=89130000001", "1.1", 200
    )

    assert stream.getvalue().strip() == '127.0.0.1:5000 - "GET /chat?phone=[PHONE] HTTP/1.1" 200'


def test_other_loggers_are_not_rewritten(installed: None) -> None:
    logger, stream = capture("thirdparty.lib")

    logger.info("value %s", "89130000001")

    assert stream.getvalue().strip() == "value 89130000001"


def test_install_twice_adds_one_filter(installed: None) -> None:
    install_log_filter()

    filters = [
        item
        for item in logging.getLogger("leadgate").filters
        if isinstance(item, PersonalDataFilter)
    ]
    assert len(filters) == 1


@pytest.mark.parametrize(
    "text",
    ["a@" + "b" * 50_000, "x" * 50_000 + "@", "1 " * 25_000],
    ids=["at-then-long-word", "long-word-then-at", "many-digit-groups"],
)
def test_mask_stays_fast_on_long_lines(text: str) -> None:
    # A quadratic pattern needs tens of seconds here; a linear one a few milliseconds.
    started = time.perf_counter()

    mask_personal_data(text)

    assert time.perf_counter() - started < 2.0
