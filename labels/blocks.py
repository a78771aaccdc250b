"""Generated blocks in Markdown files: text between BEGIN/END GENERATED markers is rendered
from data by a named generator, so documented figures cannot drift from the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from labels.errors import DataError

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=key) -->)", re.S
)


class SourceUnavailable(DataError):
    """A block's source (../shared, a run directory) is not on this machine: keep the committed text."""


def render(text: str, generators: dict[str, Callable[[], str]]) -> tuple[str, list[str]]:
    """Return ``text`` with every known block re-rendered, and the keys left as they were."""
    skipped = []

    def replace(match: re.Match) -> str:
        key = match.group("key")
        if key not in generators:
            skipped.append(key)
            return match.group(0)
        try:
            body = generators[key]().rstrip("\n") + "\n"
        except SourceUnavailable:
            skipped.append(key)
            return match.group(0)
        return match.group(1) + body + match.group(4)

    return _BLOCK.sub(replace, text), skipped


def block_keys(text: str) -> list[str]:
    return [m.group("key") for m in _BLOCK.finditer(text)]
