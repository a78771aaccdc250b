"""Inter-annotator agreement per label: Krippendorff's alpha (nominal) and Cohen's kappa.

Each label is treated as its own binary decision (present or absent), which is how
labelers make it; ``none`` (an empty label set) and the exact label set are
reported beside them. Units are matched on (document, offsets, sentence hash), and
a unit labelled by only some annotators still counts for alpha (it handles
missing values), while kappa uses the units both annotators labelled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

NONE_ROW = "none"
EXACT_ROW = "exact set"


@dataclass(frozen=True)
class LabelAgreement:
    label: str
    alpha: float
    kappa: dict[tuple[str, str], float]  # annotator pair -> kappa
    percent: float  # share of units (labelled by all) on which every annotator agrees
    positives: dict[str, int]  # annotator -> positives given

    @property
    def mean_kappa(self) -> float:
        values = [v for v in self.kappa.values() if not math.isnan(v)]
        return float(np.mean(values)) if values else math.nan


@dataclass(frozen=True)
class AgreementReport:
    annotators: tuple[str, ...]
    units: int
    units_all: int  # units labelled by every annotator
    rows: tuple[LabelAgreement, ...]

    def row(self, label: str) -> LabelAgreement:
        return next(r for r in self.rows if r.label == label)


def _alpha(matrix: np.ndarray) -> float:
    observed = matrix[~np.isnan(matrix)]
    if observed.size == 0 or np.unique(observed).size < 2:
        return math.nan  # no variation at all: alpha is undefined, not perfect
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def _kappa(a: Sequence[int], b: Sequence[int]) -> float:
    if len(a) == 0 or (len(set(a)) < 2 and len(set(b)) < 2):
        return math.nan
    return float(cohen_kappa_score(a, b))


def agreement(
    annotations: Mapping[str, Mapping[Hashable, Sequence[str]]],
    label_names: Sequence[str],
) -> AgreementReport:
    """``annotations[annotator][unit] = labels``; returns per-label alpha, kappa and raw agreement."""
    annotators = tuple(sorted(annotations))
    if len(annotators) < 2:
        raise ValueError("agreement needs at least two annotators")
    units = sorted({u for per in annotations.values() for u in per}, key=repr)
    complete = [u for u in units if all(u in annotations[a] for a in annotators)]

    def decisions(label: str, annotator: str, unit) -> float:
        labels = annotations[annotator].get(unit)
        if labels is None:
            return math.nan
        if label == NONE_ROW:
            return float(len(labels) == 0)
        return float(label in labels)

    rows = []
    for label in [*label_names, NONE_ROW]:
        matrix = np.array([[decisions(label, a, u) for u in units] for a in annotators])
        kappa = {}
        for a, b in itertools.combinations(annotators, 2):
            shared = [u for u in units if u in annotations[a] and u in annotations[b]]
            kappa[(a, b)] = _kappa([int(decisions(label, a, u)) for u in shared],
                                   [int(decisions(label, b, u)) for u in shared])
        agree = [len({decisions(label, a, u) for a in annotators}) == 1 for u in complete]
        rows.append(LabelAgreement(
            label=label, alpha=_alpha(matrix), kappa=kappa,
            percent=float(np.mean(agree)) if agree else math.nan,
            positives={a: int(np.nansum(matrix[i])) for i, a in enumerate(annotators)},
        ))
    # exact label set: nominal alpha over the set as one category
    codes: dict[tuple[str, ...], int] = {}
    matrix = np.full((len(annotators), len(units)), np.nan)
    for i, a in enumerate(annotators):
        for j, u in enumerate(units):
            if u in annotations[a]:
                key = tuple(sorted(annotations[a][u]))
                matrix[i, j] = codes.setdefault(key, len(codes))
    exact_agree = [len({tuple(sorted(annotations[a][u])) for a in annotators}) == 1 for u in complete]
    kappa = {}
    for a, b in itertools.combinations(annotators, 2):
        shared = [u for u in units if u in annotations[a] and u in annotations[b]]
        kappa[(a, b)] = _kappa([codes[tuple(sorted(annotations[a][u]))] for u in shared],
                               [codes[tuple(sorted(annotations[b][u]))] for u in shared])
    rows.append(LabelAgreement(label=EXACT_ROW, alpha=_alpha(matrix), kappa=kappa,
                               percent=float(np.mean(exact_agree)) if exact_agree else math.nan,
                               positives={a: len(annotations[a]) for a in annotators}))
    return AgreementReport(annotators=annotators, units=len(units), units_all=len(complete), rows=tuple(rows))


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def agreement_markdown(report: AgreementReport) -> str:
    """A table for the data card and the CLI."""
    names = report.annotators
    header = ["label", "Krippendorff α", "Cohen κ (mean of pairs)", "raw agreement",
              *[f"positives ({a})" for a in names]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in report.rows:
        lines.append("| " + " | ".join([
            row.label, _fmt(row.alpha), _fmt(row.mean_kappa),
            "n/a" if math.isnan(row.percent) else f"{row.percent:.1%}",
            *[str(row.positives[a]) for a in names],
        ]) + " |")
    lines.append("")
    lines.append(f"{report.units} units, {report.units_all} labelled by all of: {', '.join(names)}. "
                 f"The `{EXACT_ROW}` row treats each distinct label set as one category; its positives "
                 "column counts units labelled.")
    return "\n".join(lines)
