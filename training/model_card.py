"""The model card is rendered from a run's metrics and config, never typed by hand."""

from __future__ import annotations

from pathlib import Path

import jinja2

from labels.schema import load_schema
from training.config import DEFAULT_MODEL, TrainConfig

TEMPLATE_DIR = Path(__file__).parent / "templates"
TARGET_MACRO_F1 = 0.65
TARGET_MARGIN = 0.10


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def _ci(interval: list[float] | None) -> str:
    return "" if not interval else f"[{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]"


def render_model_card(metrics: dict, config: TrainConfig) -> str:
    schema = load_schema(metrics["schema"])
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["pct"] = _pct
    environment.filters["ci"] = _ci
    headline = metrics["evaluations"].get(metrics.get("headline") or "")
    verdict = None
    if headline and "tfidf_logreg" in headline["models"]:
        ours = headline["models"]["transformer"]["macro_f1"]
        base = headline["models"]["tfidf_logreg"]["macro_f1"]
        verdict = {"ours": ours, "baseline": base, "margin": ours - base,
                   "meets_level": ours >= TARGET_MACRO_F1, "meets_margin": ours - base >= TARGET_MARGIN,
                   "target_level": TARGET_MACRO_F1, "target_margin": TARGET_MARGIN}
    return environment.get_template("model_card.md.j2").render(
        m=metrics, config=config, schema=schema, headline=headline, verdict=verdict,
        default_base=config.model == DEFAULT_MODEL,
    )


def headline_block(run_dir: Path | None = None) -> str:
    """README summary of the default run: headline and authored test, model vs baseline, from metrics.json."""
    import json

    from labels.blocks import SourceUnavailable
    from labels.paths import PROJECT_ROOT

    path = (run_dir or PROJECT_ROOT / "runs" / "framing-minilm") / "metrics.json"
    if not path.is_file():
        raise SourceUnavailable(f"{path} not found (run `make run`)")
    metrics = json.loads(path.read_text(encoding="utf-8"))
    rows = ["| evaluation | sentences | model | macro-F1 [95% CI] | micro-F1 [95% CI] |", "|---|---:|---|---|---|"]
    for key, ev in metrics["evaluations"].items():
        if ev["kind"] == "leave-one-article-out":
            title = f"real text, leave-one-article-out over `{ev['split']}` (headline)"
        else:
            title = f"held-out split `{ev['split']}`, " + ("authored text" if ev["source"] == "authored"
                                                           else f"real text (`{ev['source']}`)")
        for name, r in ev["models"].items():
            rows.append(f"| {title} | {r['n']} | {name} | {_pct(r['macro_f1'])} {_ci(r['macro_f1_ci'])} | "
                        f"{_pct(r['micro_f1'])} {_ci(r['micro_f1_ci'])} |")
    return ("Figures from `runs/framing-minilm/metrics.json` (percentages; per-label figures in "
            "`model_card.md`):\n\n" + "\n".join(rows))
