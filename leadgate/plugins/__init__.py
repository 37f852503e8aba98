"""Built-in plugins. They register through the same hooks as third-party packages.

``BUILTIN`` lists their modules in registration order; the plugin manager imports
this list rather than any plugin by name, so a plugin can be added here without
touching the core.
"""

BUILTIN: tuple[str, ...] = (
    "leadgate.plugins.consent_prompt",
    "leadgate.plugins.channels.webchat",
    "leadgate.plugins.crm.local",
    "leadgate.plugins.llm.scripted",
    "leadgate.plugins.redaction",
)
