"""The main job behind `make run`: everything a fresh clone needs, end to end.

For now it validates every corpus and prints the statistics that the data card
shows; later stages (training the default model, tagging the seed articles,
writing reports) are added here as they land.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from labels.corpora import MissingSourceError, read_registry
from labels.datacard import CARD_CORPORA, corpus_block, seed_agreement_block


def run_main_job(*, shared: str | Path | None = None, echo: Callable[[str], None] = print) -> int:
    """Run every stage; return the number of corpora that could not be loaded for lack of data."""
    missing = 0
    echo("== Corpora (same tables as labels/README.md) ==\n")
    for name in CARD_CORPORA:
        try:
            echo(corpus_block(name, shared=shared) + "\n")
        except MissingSourceError as exc:
            missing += 1
            echo(f"{name}: skipped, {exc.message}\n")
    echo("== Seed annotation agreement (two independent passes) ==\n")
    echo(seed_agreement_block() + "\n")
    other = [n for n in read_registry() if n not in CARD_CORPORA]
    echo(f"Other registered corpora (subsets of the above): {', '.join(other)}")
    return missing
