"""Russian wording for argparse's own messages (usage lines, help headings, errors).

argparse looks its texts up through ``gettext`` at the moment it prints them, and
Python ships no Russian catalog for it; so the command line, which is Russian first,
substitutes its own for the messages an owner can meet.
"""

from __future__ import annotations

import argparse

from leadgate.locales import resolve_locale

_RUSSIAN = {
    "usage: ": "использование: ",
    "positional arguments": "аргументы",
    "options": "параметры",
    "show this help message and exit": "показать эту справку и выйти",
    "show program's version number and exit": "показать версию и выйти",
    "%(prog)s: error: %(message)s\n": "%(prog)s: ошибка: %(message)s\n",
    "the following arguments are required: %s": "не хватает аргументов: %s",
    "unrecognized arguments: %s": "лишние аргументы: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "недопустимое значение %(value)r (возможные: %(choices)s)",
    "invalid %(type)s value: %(value)r": "недопустимое значение %(value)r (ожидается %(type)s)",
    "expected one argument": "нужно одно значение",
    "expected at least one argument": "нужно хотя бы одно значение",
    "expected at most one argument": "нужно не больше одного значения",
    "argument %(argument_name)s: %(message)s": "аргумент %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "неоднозначный параметр %(option)s: подходят %(matches)s",
    "one of the arguments %s is required": "нужен один из аргументов: %s",
    "not allowed with argument %s": "нельзя вместе с аргументом %s",
}


def _translate(message: str) -> str:
    return _RUSSIAN.get(message, message)


def install_cli_messages(locale: str | None = None) -> None:
    """Make argparse speak Russian unless the locale is English."""
    if resolve_locale(locale) == "ru":
        argparse._ = _translate  # type: ignore[attr-defined]
