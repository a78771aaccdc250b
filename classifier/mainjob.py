"""The main job behind `make run`: everything a fresh clone needs, end to end.

1. Validate every corpus and print the statistics the data card shows.
2. Train the default framing model if it is absent (its run directory holds the
   evaluation: leave-one-article-out on the real seed articles, the authored test
   split, the TF-IDF baseline side by side) and print that evaluation.
3. Tag the seed articles with it into reports/seeds.jsonl and an HTML report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from labels.corpora import MissingSourceError, read_registry
from labels.datacard import CARD_CORPORA, corpus_block, seed_agreement_block
from labels.paths import PROJECT_ROOT, shared_dir

DEFAULT_CONFIG = PROJECT_ROOT / "training" / "configs" / "framing-minilm.yaml"


def ensure_default_model(
    *, shared: str | Path | None = None, echo: Callable[[str], None] = print, retrain: bool = False
) -> tuple[Path, dict]:
    """Train the default model unless its run directory is complete; return (model dir, metrics)."""
    from training.config import TrainConfig
    from training.run import MODEL_DIR, train_run

    config = TrainConfig.from_yaml(DEFAULT_CONFIG)
    run_dir = Path(config.output_dir)
    if not run_dir.is_absolute():
        run_dir = PROJECT_ROOT / run_dir
        config = config.replace(output_dir=str(run_dir), model_card=str(PROJECT_ROOT / config.model_card)
                                if config.model_card else "")
    metrics_path = run_dir / "metrics.json"
    if retrain or not (metrics_path.is_file() and (run_dir / MODEL_DIR / "config.json").is_file()):
        echo(f"training the default model ({config.name}) into {run_dir}; this takes a while on a CPU")
        metrics = train_run(config, shared=shared, progress=echo)
    else:
        echo(f"default model found in {run_dir} (delete it or use --retrain to train again)")
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    return run_dir / MODEL_DIR, metrics


def run_main_job(
    *, shared: str | Path | None = None, echo: Callable[[str], None] = print, retrain: bool = False
) -> int:
    """Run every stage; return the number of corpora that could not be loaded for lack of data."""
    from training.cli import summary

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
    echo(f"Other registered corpora (subsets of the above): {', '.join(other)}\n")

    echo("== Default model ==\n")
    model_dir, metrics = ensure_default_model(shared=shared, echo=echo, retrain=retrain)
    echo(f"\nmodel: {model_dir}\nmodel card: {PROJECT_ROOT / 'model_card.md'}\n")
    echo(summary(metrics) + "\n")

    echo("== Tagging the seed articles ==\n")
    tag_seeds(model_dir, shared=shared, echo=echo)
    return missing


def tag_seeds(model_dir: Path, *, shared: str | Path | None = None, echo: Callable[[str], None] = print) -> None:
    """Tag ../shared/seeds into reports/seeds.jsonl and reports/seeds.html (resumable like any tagging run)."""
    from classifier.batch import known_schema, tag_inputs
    from classifier.tagger import Tagger

    seeds = shared_dir(shared) / "seeds"
    reports = PROJECT_ROOT / "reports"
    tagger = Tagger.from_pretrained(model_dir)
    echo(tagger.describe())
    result = tag_inputs([seeds], tagger, reports / "seeds.jsonl", fmt="jsonl", report=reports / "seeds.html",
                        on_error=lambda e: echo(f"error: {e}"), schema=known_schema(tagger.model.labels))
    echo(result.text())
