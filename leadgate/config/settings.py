"""Process-wide settings read from ``LEADGATE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_names(value: object) -> object:
    """Accept ``"a, b"`` from the environment as well as a list."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return value


class Settings(BaseSettings):
    """Settings of one leadgate process; every field is ``LEADGATE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="LEADGATE_", extra="ignore")

    data_dir: Path | None = Field(
        default=None,
        description="Where the database and key file live; default: <bundle>/data.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; when unset, SQLite in the data directory."
    )
    encryption_keys: str | None = Field(
        default=None,
        description=(
            "Key ring as 'id:base64key,id:base64key,index:base64key': data keys, current first,"
            " then the blind-index key. Overrides the key file."
        ),
    )
    locale: str | None = Field(default=None, description="'ru' or 'en' for messages to people.")
    plugins_autoload: bool = Field(
        default=True, description="Load plugins from the 'leadgate' entry-point group."
    )
    plugins: Annotated[list[str], NoDecode, BeforeValidator(_split_names)] = Field(
        default_factory=list,
        description="Comma-separated entry-point or distribution names to load; empty loads all.",
    )
    actor: str | None = Field(
        default=None, description="Who runs admin commands, for the access journal."
    )
