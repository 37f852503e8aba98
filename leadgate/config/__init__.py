"""Bundle schema, loader and process settings."""
