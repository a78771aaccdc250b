"""Re-render every generated part of the project's documents (data card, README, RESULTS, model card)."""

from __future__ import annotations

from pathlib import Path

from labels.blocks import render
from labels.datacard import generators as data_card_generators
from labels.paths import DATA_CARD, PROJECT_ROOT
from training.model_card import headline_block

README = PROJECT_ROOT / "README.md"


def tagging_benchmark_block(path: Path = PROJECT_ROOT / "runs" / "benchmarks" / "tagging.json") -> str:
    import json
    import sys

    from labels.blocks import SourceUnavailable

    if not path.is_file():
        raise SourceUnavailable(f"{path} not found (run `make bench`)")
    sys.path.insert(0, str(PROJECT_ROOT))
    from benchmarks.tagging import markdown

    return markdown(json.loads(path.read_text(encoding="utf-8")))


RESULTS = PROJECT_ROOT / "training" / "RESULTS.md"


def compare_block(name: str) -> str:
    import json

    from labels.blocks import SourceUnavailable
    from training.compare_report import markdown

    path = PROJECT_ROOT / "runs" / "compare" / name / "summary.json"
    if not path.is_file():
        raise SourceUnavailable(f"{path} not found (run `framing compare training/experiments/{name}.yaml`)")
    summary = json.loads(path.read_text(encoding="utf-8"))
    return markdown(summary, summary.get("wall_seconds"))


def document_generators(shared: str | Path | None = None) -> dict[Path, dict]:
    return {DATA_CARD: data_card_generators(shared),
            README: {"headline": headline_block, "tagging-benchmark": tagging_benchmark_block},
            RESULTS: {"compare-quick": lambda: compare_block("quick"), "compare-full": lambda: compare_block("full")}}


MODEL_CARD = PROJECT_ROOT / "model_card.md"
DEFAULT_RUN = PROJECT_ROOT / "runs" / "framing-minilm"


def model_card_text(run_dir: Path = DEFAULT_RUN) -> str | None:
    """The default model's card rendered from its run (metrics + resolved config); None without the run."""
    import json

    from training.config import TrainConfig
    from training.model_card import render_model_card

    metrics, config = run_dir / "metrics.json", run_dir / "config.yaml"
    if not (metrics.is_file() and config.is_file()):
        return None
    return render_model_card(json.loads(metrics.read_text(encoding="utf-8")), TrainConfig.from_yaml(config))


def render_docs(shared: str | Path | None = None, *, write: bool = True) -> list[tuple[Path, bool, list[str]]]:
    """For each document: (path, whether it changed, block keys left as committed)."""
    results = []
    card = model_card_text()
    if card is None:
        results.append((MODEL_CARD, False, ["model card"]))
    else:
        changed = card != MODEL_CARD.read_text(encoding="utf-8")
        if write and changed:
            MODEL_CARD.write_text(card, encoding="utf-8")
        results.append((MODEL_CARD, changed, []))
    for path, generators in document_generators(shared).items():
        text = path.read_text(encoding="utf-8")
        new, skipped = render(text, generators)
        if write and new != text:
            path.write_text(new, encoding="utf-8")
        results.append((path, new != text, skipped))
    return results
