"""The ``leadgate`` command line: builds the parser, runs one command, maps errors.

Errors leadgate raises on purpose are printed as one localised message, without a
traceback, and give exit status 1; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Iterable, Sequence

from leadgate import __version__
from leadgate.core.cli_messages import install_cli_messages
from leadgate.core.commands import MODULES
from leadgate.errors import ConfigErrors, LeadgateError
from leadgate.locales import text


def build_parser(extra_plugins: Iterable[object] = ()) -> argparse.ArgumentParser:
    """Build the parser with the built-in commands and those plugins add.

    ``extra_plugins`` are registered on top of the discovered ones (tests use it).
    """
    parser = argparse.ArgumentParser(prog="leadgate", description=text("cli.description"))
    parser.add_argument("--version", action="version", version=f"leadgate {__version__}")
    parser.add_argument("--debug", action="store_true", help=text("cli.debug_help"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    for module_name in MODULES:
        module = importlib.import_module(f"leadgate.core.commands.{module_name}")
        module.add_parser(subparsers)

    _add_plugin_commands(subparsers, extra_plugins)
    return parser


def _add_plugin_commands(
    subparsers: argparse._SubParsersAction,
    extra_plugins: Iterable[object],
) -> None:
    from leadgate.core.plugins import create_plugin_manager

    try:
        manager = create_plugin_manager(extra=extra_plugins)
    except LeadgateError as error:
        # A broken third-party plugin must not take `leadgate check` down with it.
        print(str(error), file=sys.stderr)
        return
    manager.hook.leadgate_cli_commands(subparsers=subparsers)


def main(argv: Sequence[str] | None = None, extra_plugins: Iterable[object] = ()) -> int:
    """Run the command line and return its exit status."""
    # Commands print their own results for people; logs show only problems, except in
    # `leadgate run`, which raises leadgate's own loggers to INFO for operators.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces every plugin and migration step at INFO; owners need only problems.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from leadgate.core.logfilter import install_log_filter

    install_log_filter()
    install_cli_messages()
    parser = build_parser(extra_plugins)
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2

    try:
        return int(args.handler(args) or 0)
    except ConfigErrors as errors:
        for error in errors.errors:
            print(str(error), file=sys.stderr)
        return 1
    except LeadgateError as error:
        if args.debug:
            raise
        print(str(error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
