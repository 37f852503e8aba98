"""Built-in crm plugins."""
