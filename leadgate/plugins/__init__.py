"""Built-in plugins. They register through the same hooks as third-party packages.

``BUILTIN`` lists their modules in registration order; the plugin manager imports
this list rather than any plugin by name, so a plugin can be added here without
touching the core.
"""

BUILTIN: tuple[str, ...] = (
    "leadgate.plugins.consent_prompt",
    "leadgate.plugins.channels.webchat",
    "leadgate.plugins.channels.telegram",
    "leadgate.plugins.channels.whatsapp",
    "leadgate.plugins.channels.instagram",
    "leadgate.plugins.crm.local",
    "leadgate.plugins.crm.bitrix24",
    "leadgate.plugins.crm.amocrm",
    "leadgate.plugins.llm.scripted",
    "leadgate.plugins.llm.openai_compat",
    "leadgate.plugins.llm.yandexgpt",
    "leadgate.plugins.llm.gigachat",
    "leadgate.plugins.llm.gateway",
    "leadgate.plugins.redaction.phones",
    "leadgate.plugins.redaction.emails",
    "leadgate.plugins.redaction.documents",
    "leadgate.plugins.redaction.cards",
    "leadgate.plugins.redaction.names",
    "leadgate.plugins.redaction.addresses",
    "leadgate.plugins.redaction.birth_dates",
    "leadgate.plugins.redaction.health",
)
