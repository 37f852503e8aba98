"""The Russian texts of the dialogue catalog, ``leadgate/locales/dialogue.yaml``."""

from __future__ import annotations

import re
from importlib import resources

import strictyaml

# The polite forms of «вы» and «ваш» in every case, as whole words.
_POLITE_PRONOUN = re.compile(
    r"\b(вы|вас|вам|вами|ваш|ваша|ваше|ваши|вашего|вашей|вашему|вашим|ваших|вашими|вашу)\b",
    re.IGNORECASE,
)


def test_russian_texts_capitalise_polite_pronouns() -> None:
    source = resources.files("leadgate.locales").joinpath("dialogue.yaml").read_text("utf-8")
    catalog = strictyaml.load(source).data

    lower_case = [
        (key, match.group(0))
        for key, texts in catalog.items()
        for match in _POLITE_PRONOUN.finditer(texts["ru"])
        if match.group(0)[0].islower()
    ]

    assert lower_case == []
