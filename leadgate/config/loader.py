"""Loading a bundle: a folder with ``leadgate.yaml`` and an optional ``leadgate.local.yaml``.

:func:`load_bundle` reads both files, deep-merges the local one on top (mappings key
by key, other values replaced), validates every section, looks up the chosen
components, runs the legal checks and returns a :class:`Bundle`. It reports every
error it finds in one :class:`~leadgate.errors.ConfigErrors`, each naming its file
and line, in Russian unless ``LEADGATE_LOCALE`` or the bundle's own locale selects
another language.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from leadgate.config import build, schema
from leadgate.config.bundle import Bundle
from leadgate.config.checks import Checker, check_locations_allowed
from leadgate.config.component_sections import Components, validate_components
from leadgate.config.envrefs import load_environment, resolve
from leadgate.config.problems import Problems
from leadgate.config.references import check_literal_secrets, check_references
from leadgate.config.sections import validate_sections
from leadgate.config.yamltree import Node, YamlProblem, merge, parse
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.errors import ConfigErrors
from leadgate.locales import LOCALES, resolve_locale

logger = logging.getLogger(__name__)

BUNDLE_FILE = "leadgate.yaml"
LOCAL_FILE = "leadgate.local.yaml"


def load_bundle(
    path: Path, *, registry: ComponentRegistry | None = None, locale: str | None = None
) -> Bundle:
    """Load and validate the bundle in folder ``path`` (or the folder of a ``leadgate.yaml``).

    ``registry`` defaults to one built from the installed plugins. ``locale`` sets the
    language of error messages. Raise :class:`ConfigErrors` listing every error found.
    """
    bundle_dir = path.parent if path.name == BUNDLE_FILE else path
    problems = Problems()
    tree, files = _read_tree(bundle_dir, problems)
    message_locale = _message_locale(locale, tree)
    if tree is None or problems:
        raise ConfigErrors(problems.errors(message_locale))

    variables = load_environment(bundle_dir)
    check_references(tree, variables, problems)
    reported_secrets = check_literal_secrets(tree, problems)
    data = validate_sections(tree, problems)

    if registry is None:
        registry = ComponentRegistry(create_plugin_manager())
    components = validate_components(tree, data, registry, problems, reported_secrets)
    _run_checks(tree, data, components, registry, problems)
    name = _check_name(data, bundle_dir, tree, problems)
    if problems:
        raise ConfigErrors(problems.errors(message_locale))

    bundle = _build(bundle_dir, name, files, tree, data, components, variables)
    logger.info("loaded bundle %s from %s", bundle.name, bundle_dir)
    return bundle


def _read_tree(bundle_dir: Path, problems: Problems) -> tuple[Node | None, tuple[Path, ...]]:
    main_file = bundle_dir / BUNDLE_FILE
    if not main_file.is_file():
        problems.add("no_bundle_file", (str(bundle_dir), None))
        return None, ()

    tree = _read_file(main_file, problems)
    files = [main_file]
    local_file = bundle_dir / LOCAL_FILE
    if local_file.is_file():
        override = _read_file(local_file, problems)
        files.append(local_file)
        if tree is not None and override is not None:
            tree = merge(tree, override)
    return tree, tuple(files)


def _read_file(file: Path, problems: Problems) -> Node | None:
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add("unreadable", (str(file), None), detail=type(error).__name__)
        return None
    try:
        return parse(source, str(file))
    except YamlProblem as problem:
        _add_yaml_problem(problem, source, str(file), problems)
        return None


def _add_yaml_problem(problem: YamlProblem, source: str, file: str, problems: Problems) -> None:
    if problem.kind != "duplicate":
        problems.add("yaml_syntax", (file, problem.line), detail=problem.detail)
        return
    parent = _parent_key(source.splitlines(), problem.line - 1)
    message = "duplicate_channel" if parent == "channels" else "duplicate_key"
    path = (parent, problem.detail) if parent else (problem.detail,)
    problems.add(message, (file, problem.line), path, name=problem.detail)


def _parent_key(lines: list[str], index: int) -> str:
    """Return the key of the block that holds line ``index``, by indentation."""
    if not 0 <= index < len(lines):
        return ""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(line.lstrip()) < indent:
            return stripped.split(":", 1)[0].strip().strip("\"'")
    return ""


def _message_locale(locale: str | None, tree: Node | None) -> str:
    if locale and locale.lower()[:2] in LOCALES:
        return locale.lower()[:2]
    bundle_locale = tree.find(("business", "locale")) if tree is not None else None
    preferred = bundle_locale.value if bundle_locale is not None else None
    return resolve_locale(preferred if isinstance(preferred, str) else None)


def _run_checks(
    tree: Node,
    data: dict[str, Any],
    components: Components,
    registry: ComponentRegistry,
    problems: Problems,
) -> None:
    checker = Checker(tree, data, problems)
    checker.run(registry)
    # A data_locations section that failed validation would make every component
    # look misplaced, so the location rule waits until that section is fixed.
    if tree.get("data_locations") is None or "data_locations" in data:
        check_locations_allowed(checker, components.answerer, components.crm)


def _check_name(data: dict[str, Any], bundle_dir: Path, tree: Node, problems: Problems) -> str:
    if "name" in data:
        return str(data["name"])
    name = build.bundle_name(data, bundle_dir)
    if not schema.BUNDLE_NAME.match(name):
        problems.add("bad_name", (tree.file, 1), ("name",), value=name)
    return name


def _build(
    bundle_dir: Path,
    name: str,
    files: tuple[Path, ...],
    tree: Node,
    data: dict[str, Any],
    components: Components,
    variables: dict[str, str],
) -> Bundle:
    if components.answerer is None or components.crm is None:
        raise RuntimeError("a bundle without answerer or CRM passed validation")
    resolved = resolve(data, variables)
    return Bundle(
        name=name,
        path=bundle_dir,
        business=build.build_business(resolved["business"]),
        channels=build.channel_choices(components, variables),
        consents=build.build_consents(resolved["consents"], tree),
        redaction=build.build_redaction(resolved.get("redaction", {})),
        answerer=build.build_answerer(resolved["answerer"], components.answerer, variables),
        crm=build.build_crm(resolved["crm"], components.crm, variables),
        retention=build.build_retention(resolved.get("retention", {})),
        data_locations=frozenset(resolved.get("data_locations", schema.DEFAULT_LOCATIONS)),
        dialogue=build.build_dialogue(resolved["dialogue"]),
        files=files,
        template=resolved.get("template", ""),
        gateway=resolved.get("gateway"),
        whatsapp_templates=dict(resolved.get("whatsapp_templates", {})),
    )
