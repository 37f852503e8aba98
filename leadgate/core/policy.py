"""The processing policy page at ``/policy``, generated from the bundle.

152-FZ art. 18.1 asks the operator to publish its policy at a stable address; every
consent prompt links here, so a client reads it before giving any data.
"""

from __future__ import annotations

import datetime as dt
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from leadgate.config.bundle import Bundle
from leadgate.locales import text as t

_DAYS_PER_YEAR = 365


async def policy_page(request: Request) -> Response:
    """Serve the policy of the running bundle."""
    bundle = request.app.state.runtime.bundle
    return HTMLResponse(render_policy(bundle, bundle.business.locale))


def render_policy(bundle: Bundle, locale: str) -> str:
    """Return the policy as a self-contained HTML page."""
    business = bundle.business
    e = html.escape
    parts = [
        f"<h1>{e(t('policy.title', locale))}</h1>",
        f"<p>{e(t('policy.operator', locale, operator=business.operator, inn=business.inn, address=business.address, phone=business.phone))}</p>",
        f"<h2>{e(t('policy.purposes', locale))}</h2>",
    ]
    for consent in bundle.consents:
        processors = ", ".join(consent.processors)
        parts.append(f"<h3>{e(consent.title)}</h3><ul>")
        parts.extend(f"<li>{e(purpose)}</li>" for purpose in consent.purposes)
        parts.append("</ul>")
        parts.append(
            f"<p>{e(t('policy.consent_basis', locale, version=consent.version, validity=_period(consent.validity, locale)))}</p>"
        )
        data = ", ".join(_label("category", name, locale) for name in consent.data)
        parts.append(f"<p>{e(t('policy.data', locale, data=data))}</p>")
        parts.append(
            f"<p>{e(t('policy.processors', locale, processors=processors) if processors else t('policy.no_processors', locale))}</p>"
        )
    locations = ", ".join(
        _label("location", name, locale) for name in sorted(bundle.data_locations)
    )
    parts.append(f"<h2>{e(t('policy.storage', locale))}</h2>")
    parts.append(f"<p>{e(t('policy.storage_text', locale, locations=locations))}</p><ul>")
    for name, period in bundle.retention.items():
        label = t(f"policy.retention_{name}", locale) if name in _RETENTION_NAMES else name
        parts.append(
            f"<li>{e(t('policy.retention_line', locale, what=label, period=_period(period, locale)))}</li>"
        )
    parts.append("</ul>")
    if bundle.redaction.action("health") == "withhold":
        parts.append(f"<p>{e(t('policy.health_text', locale))}</p>")
    parts.append(f"<h2>{e(t('policy.rights', locale))}</h2>")
    parts.append(f"<p>{e(t('policy.rights_text', locale, phone=business.phone))}</p>")
    body = "\n".join(parts)
    return (
        f'<!doctype html><html lang="{e(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(t('policy.title', locale))} · {e(business.name)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}</style>"
        f"</head><body>{body}</body></html>"
    )


_RETENTION_NAMES = ("enquiry", "transcript", "client", "consent", "destruction")


def _label(kind: str, name: str, locale: str) -> str:
    """Return the readable name of a data category or location; unknown ones stay as they are."""
    try:
        return t(f"policy.{kind}_{name}", locale)
    except KeyError:
        return name


def _period(value: dt.timedelta, locale: str) -> str:
    days = value.days
    if days and days % _DAYS_PER_YEAR == 0:
        return _count(days // _DAYS_PER_YEAR, ("год", "года", "лет"), ("year", "years"), locale)
    if days:
        return _count(days, ("день", "дня", "дней"), ("day", "days"), locale)
    hours = int(value.total_seconds() // 3600)
    return _count(hours, ("час", "часа", "часов"), ("hour", "hours"), locale)


def _count(
    number: int, russian: tuple[str, str, str], english: tuple[str, str], locale: str
) -> str:
    """Write ``number`` with the noun form Russian grammar (or English) wants."""
    if locale != "ru":
        return f"{number} {english[0] if number == 1 else english[1]}"
    if number % 10 == 1 and number % 100 != 11:
        form = russian[0]
    elif 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        form = russian[1]
    else:
        form = russian[2]
    return f"{number} {form}"
