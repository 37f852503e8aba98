"""``leadgate init TEMPLATE DIR``: copy a vertical template into a new bundle folder.

Templates are read from the installed package (``leadgate/templates/<name>``), so the
command works from a wheel as well as from a source checkout.
"""

from __future__ import annotations

import argparse
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from leadgate.config.schema import TEMPLATES
from leadgate.errors import ConfigError
from leadgate.locales import text as t


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``init`` command."""
    parser = subparsers.add_parser("init", help=t("config.init_help"))
    parser.add_argument("template", choices=TEMPLATES, help=t("config.init_template_help"))
    parser.add_argument("directory", help=t("config.init_dir_help"))
    parser.set_defaults(handler=init_bundle)


def init_bundle(args: argparse.Namespace) -> int:
    """Copy the template into the folder and print the next steps; never overwrite files."""
    target = Path(args.directory)
    if target.exists() and not target.is_dir():
        raise ConfigError(t("config.init_not_dir", path=target))
    if target.is_dir() and any(target.iterdir()):
        raise ConfigError(t("config.init_not_empty", path=target))

    copy_template(args.template, target)
    print(t("config.init_done", template=args.template, path=target))
    print(t("config.init_next", path=target))
    return 0


def template_files(template: str) -> Traversable:
    """Return the packaged folder of ``template``."""
    return resources.files("leadgate").joinpath("templates", template)


def copy_template(template: str, target: Path) -> None:
    """Copy every file of ``template`` into ``target``, creating it."""
    target.mkdir(parents=True, exist_ok=True)
    _copy_tree(template_files(template), target)


# Running `leadgate run examples/salon` in a checkout leaves the example's database,
# key file and secrets inside the template folder; a new bundle must not inherit them.
_NOT_COPIED = frozenset({"__pycache__", "data", ".env", "leadgate.local.yaml"})


def _copy_tree(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        if entry.name in _NOT_COPIED:
            continue
        if entry.is_dir():
            (target / entry.name).mkdir()
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
