"""`framing train`: a thin command over training.run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from labels.errors import DataError


def train_cmd(
    config: Annotated[Optional[Path], typer.Option(help="YAML config (default: the built-in default config).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config key: key=value "
                                                                    "(repeatable).")] = None,
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared.")] = None,
) -> None:
    """Train, evaluate against the baseline, and write a run directory (and the model card)."""
    from labels.cli import fail
    from training.config import TrainConfig
    from training.run import train_run

    try:
        resolved = TrainConfig.from_yaml(config, set_) if config else TrainConfig.default(set_)
        typer.echo(f"run {resolved.name} -> {resolved.output_dir}", err=True)
        metrics = train_run(resolved, shared=shared, progress=lambda msg: typer.echo(msg, err=True))
    except DataError as exc:
        fail(exc)
    typer.echo(summary(metrics))


def summary(metrics: dict) -> str:
    """Side-by-side macro/micro F1 of every evaluation in a run, for the terminal."""
    lines = []
    for key, ev in metrics["evaluations"].items():
        star = " (headline)" if key == metrics.get("headline") else ""
        lines.append(f"{key}{star}: n={next(iter(ev['models'].values()))['n']}")
        for name, r in ev["models"].items():
            ci = r["macro_f1_ci"] or [float("nan")] * 2
            lines.append(f"  {name:14s} macro-F1 {r['macro_f1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]  "
                         f"micro-F1 {r['micro_f1']:.3f}  per label: " +
                         ", ".join(f"{k} {v['f1']:.2f}" for k, v in r["per_label"].items() if v["f1"] is not None))
    return "\n".join(lines)


def compare_cmd(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML (see training/experiments/).")],
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a key: key=value (repeatable).")] = None,
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared.")] = None,
    mlflow: Annotated[bool, typer.Option(help="Also log every job to a local MLflow store (<output>/mlruns).")] = False,
    report_only: Annotated[bool, typer.Option(help="Re-render tables and plots from the saved per-run JSON "
                                                   "(no training).")] = False,
) -> None:
    """Run a models x datasets x seeds grid with grouped K-fold CV; write tables, plots and per-run JSON."""
    from labels.cli import fail
    from training.compare import run_experiment
    from training.compare_report import markdown
    from training.experiment import ExperimentConfig

    try:
        config = ExperimentConfig.from_yaml(experiment, set_)
        typer.echo(f"experiment {config.name} -> {config.output_dir}", err=True)
        if report_only:
            from training.compare import rerender

            summary = rerender(config)
        else:
            summary = run_experiment(config, shared=shared, progress=lambda m: typer.echo(m, err=True),
                                     mlflow=mlflow)
    except (DataError, RuntimeError, ValueError) as exc:
        fail(exc)
    typer.echo(markdown(summary, summary.get("wall_seconds")))
