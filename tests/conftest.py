"""Shared fixtures. Tests that need ../shared skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from labels.paths import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    root = shared_dir()
    if not (root / "seeds").is_dir():
        pytest.skip(f"../shared not found at {root} (set FRAMING_SHARED); CI has it")
    return root


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    return shared / "seeds"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
