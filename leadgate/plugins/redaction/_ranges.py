"""Helpers for the ``(start, end)`` ranges detectors collect before building spans."""

from __future__ import annotations


def union_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return ``ranges`` sorted, with overlapping and touching ranges joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
