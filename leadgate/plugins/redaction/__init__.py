"""Built-in personal-data detectors, one plugin module per kind of value.

Each module registers its detector through ``leadgate_register_detectors`` exactly as
a third-party plugin would, under a ``default`` spec that an installed plugin of the
same name replaces. Detectors return spans in Python string indices of the exact
text they were given; ``leadgate.core.redaction`` merges them.
"""
