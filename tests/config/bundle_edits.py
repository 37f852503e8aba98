"""Helpers that edit a copied bundle and find the line a test expects an error on."""

from __future__ import annotations

from pathlib import Path


def edit(file: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``file``; fail if it is not there once."""
    source = file.read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times in {file.name}"
    file.write_text(source.replace(old, new), encoding="utf-8")


def line_of(file: Path, fragment: str) -> int:
    """Return the 1-based number of the only line of ``file`` containing ``fragment``."""
    lines = file.read_text(encoding="utf-8").splitlines()
    numbers = [number for number, line in enumerate(lines, start=1) if fragment in line]
    assert len(numbers) == 1, f"{fragment!r} is on lines {numbers} of {file.name}"
    return numbers[0]
