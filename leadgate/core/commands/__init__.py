"""Built-in ``leadgate`` commands, one module each.

Each module defines ``add_parser(subparsers)``, which adds its parser and sets the
``handler`` default to a function taking the parsed arguments and returning an exit
status. Output meant for people goes through ``leadgate.locales``.
"""

MODULES: tuple[str, ...] = (
    "init",
    "check",
    "run",
    "plugins",
    "migrate",
    "keys",
    "leads",
    "chat",
    "outbox",
)
