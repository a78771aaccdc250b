"""Generators for the data card's figures (``labels/README.md``): corpus statistics,
agreement, benchmark runs. ``framing docs`` renders them; a test fails when the
committed card differs from a fresh rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from labels.adjudication import read_passes
from labels.agreement import agreement, agreement_markdown
from labels.blocks import SourceUnavailable
from labels.corpora import load_corpus
from labels.paths import AUTHORED_DIR, AUTHORED_PASSES, SEED_PASSES, SEMEVAL_PASSES
from labels.schema import load_schema
from labels.stats import split_stats, stats_markdown

CARD_CORPORA = ("framing", "semeval2023", "szeged-factbank", "szeged-wiki")


def corpus_block(name: str, *, seed: int = 0, shared: str | Path | None = None) -> str:
    corpus = load_corpus(name, shared=shared)
    spec = corpus.spec
    parts = [f"Schema `{spec.schema}`"]
    if spec.splits:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in spec.splits.items())
        parts.append(f"document-grouped split (seed {seed}): {shares}")
    fixed = [s.split for s in spec.sources if s.split]
    if fixed:
        parts.append(f"kept apart as a split of its own: {', '.join(f'`{f}`' for f in fixed)}")
    note = "; ".join(parts)
    return f"**{name}**: {spec.description} {note}.\n\n" + stats_markdown(
        split_stats(corpus.split(seed), corpus.schema), corpus.schema)


def seed_agreement_block(passes: Iterable[Path] = SEED_PASSES) -> str:
    """Agreement between independent standoff passes (seed articles by default)."""
    schema = load_schema("framing")
    loaded = read_passes(list(passes), schema)
    report = agreement({a: {u: r.labels for u, r in recs.items()} for a, recs in loaded.items()},
                       schema.label_names)
    return agreement_markdown(report)


def authored_passes(domain: str) -> tuple[list[Path], Path]:
    """The author pass, the blind verifier pass and the adjudication file of one domain."""
    return ([AUTHORED_PASSES / "author" / f"{domain}.jsonl", AUTHORED_PASSES / "verifier" / f"{domain}.jsonl"],
            AUTHORED_PASSES / "adjudication" / f"{domain}.jsonl")


def authored_domains() -> list[str]:
    return sorted(p.stem for p in AUTHORED_DIR.glob("*.jsonl"))


def authored_agreement_block() -> str:
    """Author vs blind verifier, pooled over domains, plus what adjudication changed per domain."""
    from labels.adjudication import disagreements, read_records, resolve

    schema = load_schema("framing")
    pooled: dict[str, dict] = {"author": {}, "verifier": {}}
    rows = ["| domain | sentences | disagreements | decided for author | for verifier | other | "
            "labels changed from the author's |", "|---|---:|---:|---:|---:|---:|---:|"]
    totals = [0] * 6
    for domain in authored_domains():
        paths, decisions_path = authored_passes(domain)
        passes = read_passes(paths, schema)
        author, verifier = (next(n for n in passes if n.startswith(p)) for p in ("author", "verifier"))
        pooled["author"].update({u: r.labels for u, r in passes[author].items()})
        pooled["verifier"].update({u: r.labels for u, r in passes[verifier].items()})
        decisions = read_records(decisions_path, schema)
        final = resolve(passes, decisions, decisions_path=decisions_path)
        open_units = [d.unit for d in disagreements(passes)]
        to_author = sum(final[u].labels == passes[author][u].labels for u in open_units)
        to_verifier = sum(final[u].labels == passes[verifier][u].labels for u in open_units)
        counts = [len(passes[author]), len(open_units), to_author, to_verifier,
                  len(open_units) - to_author - to_verifier, to_verifier + (len(open_units) - to_author - to_verifier)]
        totals = [a + b for a, b in zip(totals, counts)]
        rows.append(f"| {domain} | " + " | ".join(map(str, counts)) + " |")
    rows.append("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    report = agreement(pooled, schema.label_names)
    return agreement_markdown(report) + "\n\n" + "\n".join(rows)


BENCHMARKS = (
    # run name, corpus, published reference (what it is)
    ("semeval2023-minilm", "semeval2023", "best English micro-F1 ≈ 0.38 (official test set, SemEval-2023 Task 3)"),
    ("szeged-wiki-minilm", "szeged-wiki", "best F(uncertain) ≈ 60 (CoNLL-2010 task 1, Wikipedia, official test)"),
    ("szeged-factbank-minilm", "szeged-factbank", "none published for this split"),
)


def benchmark_block(runs_dir: Path | None = None) -> str:
    """Scores of `framing train --config training/configs/<run>.yaml` beside published references."""
    import json

    from labels.paths import PROJECT_ROOT

    runs_dir = runs_dir or PROJECT_ROOT / "runs"
    rows = ["| corpus | run | test sentences | micro-F1 [95% CI] | macro-F1 [95% CI] | F1 of `uncertain` | "
            "TF-IDF+LR micro-F1 | published reference |", "|---|---|---:|---|---|---|---|---|"]
    found = 0
    for run, corpus, reference in BENCHMARKS:
        path = runs_dir / run / "metrics.json"
        if not path.is_file():
            rows.append(f"| {corpus} | `{run}` | not run on this machine | | | | | {reference} |")
            continue
        found += 1
        metrics = json.loads(path.read_text(encoding="utf-8"))
        held_out = [ev for ev in metrics["evaluations"].values() if ev["kind"] == "held-out split"]
        models = held_out[0]["models"]
        ours, base = models["transformer"], models.get("tfidf_logreg")

        def fmt(value, ci):
            return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{value:.3f}"

        uncertain = ours["per_label"].get("uncertain", {}).get("f1")
        rows.append(" | ".join([
            f"| {corpus}", f"`{run}`", str(ours["n"]), fmt(ours["micro_f1"], ours["micro_f1_ci"]),
            fmt(ours["macro_f1"], ours["macro_f1_ci"]), f"{100 * uncertain:.1f}" if uncertain is not None else "",
            f"{base['micro_f1']:.3f}" if base else "", reference]) + " |")
    if not found:
        raise SourceUnavailable(f"no benchmark runs under {runs_dir}")
    return "\n".join(rows)


def generators(shared: str | Path | None = None) -> dict[str, Callable[[], str]]:
    blocks: dict[str, Callable[[], str]] = {
        f"stats {name}": (lambda name=name: corpus_block(name, shared=shared)) for name in CARD_CORPORA
    }
    blocks["agreement seeds"] = seed_agreement_block
    blocks["agreement semeval"] = lambda: seed_agreement_block(SEMEVAL_PASSES)
    blocks["agreement authored"] = authored_agreement_block
    blocks["benchmarks"] = benchmark_block
    return blocks
