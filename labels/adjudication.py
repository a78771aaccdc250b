"""Turn independent annotation passes plus adjudication decisions into final labels.

Final labels are a pure function of committed files: a unit on which every pass
agrees takes that label set; every other unit needs a decision record from the
adjudicator. Rebuilding from the same inputs gives the same bytes, which tests
check, for the seed gold (standoff units) and for the authored corpus (units are
sentence ids).

Two pass formats share this code:
- standoff passes on external text: ``{doc_id, start, end, text_sha256, labels, annotator, time, note?}``
- id passes on the team's own sentences: ``{id, labels, annotator, time, note?}``
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from labels.errors import DataError, ErrorCollector
from labels.records import iter_jsonl
from labels.schema import Schema
from labels.standoff import StandoffRecord, read_standoff


class Annotation(Protocol):
    labels: tuple[str, ...]
    annotator: str
    time: str
    note: str

    @property
    def unit(self) -> Hashable: ...


@dataclass(frozen=True)
class IdRecord:
    """One annotator's labels for one sentence that has its own id (authored corpus)."""

    id: str
    labels: tuple[str, ...]
    annotator: str
    time: str
    note: str = ""

    @property
    def unit(self) -> str:
        return self.id

    def to_json(self) -> dict:
        row = {"id": self.id, "labels": list(self.labels), "annotator": self.annotator, "time": self.time}
        if self.note:
            row["note"] = self.note
        return row


@dataclass(frozen=True)
class Disagreement:
    unit: Hashable
    labels: dict[str, tuple[str, ...]]  # annotator -> labels
    notes: dict[str, str]


def read_id_records(path: str | Path, schema: Schema) -> list[tuple[int, IdRecord]]:
    errors = ErrorCollector()
    out: list[tuple[int, IdRecord]] = []
    seen: dict[str, int] = {}
    for line, row in iter_jsonl(path, errors):
        missing = {"id", "labels", "annotator", "time"} - set(row)
        if missing:
            errors.add(DataError(f"missing field(s) {sorted(missing)}", path=path, line=line))
            continue
        if row["id"] in seen:
            errors.add(DataError(f"duplicate id {row['id']!r} (first on line {seen[row['id']]})", path=path,
                                 line=line))
            continue
        seen[row["id"]] = line
        try:
            labels = schema.validate_labels(row["labels"], path=path, line=line)
        except DataError as exc:
            errors.add(exc)
            continue
        out.append((line, IdRecord(id=str(row["id"]), labels=labels, annotator=str(row["annotator"]),
                                   time=str(row["time"]), note=str(row.get("note") or ""))))
    errors.raise_if_any()
    return out


def read_records(path: str | Path, schema: Schema) -> list[tuple[int, Annotation]]:
    """Read a pass or decision file in either format (told apart by its first record)."""
    for _, row in iter_jsonl(path):
        if "id" in row and "doc_id" not in row:
            return read_id_records(path, schema)
        break
    return read_standoff(path, schema)


def read_passes(paths: Sequence[str | Path], schema: Schema) -> dict[str, dict[Hashable, Annotation]]:
    """Each file is one annotator's pass; the annotator name comes from its records."""
    passes: dict[str, dict[Hashable, Annotation]] = {}
    for path in paths:
        records = read_records(path, schema)
        names = {r.annotator for _, r in records}
        if len(names) != 1:
            raise DataError(f"a pass file must hold one annotator's records, found {sorted(names)}", path=path)
        name = names.pop()
        if name in passes:
            raise DataError(f"annotator {name!r} appears in two pass files", path=path)
        passes[name] = {r.unit: r for _, r in records}
    return passes


def disagreements(passes: Mapping[str, Mapping[Hashable, Annotation]]) -> list[Disagreement]:
    units = sorted({u for p in passes.values() for u in p}, key=_sort_key)
    out = []
    for unit in units:
        given = {a: p[unit].labels for a, p in passes.items() if unit in p}
        if len(given) < len(passes) or len(set(given.values())) > 1:
            out.append(Disagreement(unit=unit, labels=given,
                                    notes={a: p[unit].note for a, p in passes.items() if unit in p}))
    return out


def _sort_key(unit: Hashable):
    return unit if isinstance(unit, tuple) else (str(unit),)


def resolve(
    passes: Mapping[str, Mapping[Hashable, Annotation]],
    decisions: Sequence[tuple[int, Annotation]],
    *,
    decisions_path: str | Path = "<decisions>",
) -> dict[Hashable, Annotation]:
    """The final annotation of every unit: the agreed one, or the adjudicator's decision.

    Raises when a disagreement has no decision, or a decision matches no unit.
    """
    decided = {r.unit: (line, r) for line, r in decisions}
    all_units = {u for p in passes.values() for u in p}
    for unit, (line, record) in decided.items():
        if unit not in all_units:
            raise DataError(f"decision for {_describe(unit)} matches no annotated unit", path=decisions_path,
                            line=line)
    missing = [d.unit for d in disagreements(passes) if d.unit not in decided]
    if missing:
        shown = ", ".join(_describe(u) for u in missing[:10])
        raise DataError(f"{len(missing)} disagreement(s) have no decision yet: {shown}", path=decisions_path)
    names = sorted(passes)
    final: dict[Hashable, Annotation] = {}
    for unit in sorted(all_units, key=_sort_key):
        if unit in decided:
            final[unit] = decided[unit][1]
            continue
        first = passes[names[0]][unit]
        latest = max(p[unit].time for p in passes.values())
        final[unit] = _agreed(first, "+".join(names), latest)
    return final


def _agreed(record: Annotation, annotator: str, time: str) -> Annotation:
    if isinstance(record, StandoffRecord):
        return StandoffRecord(doc_id=record.doc_id, start=record.start, end=record.end,
                              text_sha256=record.text_sha256, labels=record.labels, annotator=annotator, time=time)
    return IdRecord(id=record.id, labels=record.labels, annotator=annotator, time=time)


def _describe(unit: Hashable) -> str:
    if isinstance(unit, tuple):
        doc_id, start, end, *_ = unit
        return f"{doc_id}[{start}:{end}]"
    return str(unit)


def adjudicate(
    passes: Mapping[str, Mapping[Hashable, Annotation]],
    decisions: Sequence[tuple[int, Annotation]],
    *,
    decisions_path: str | Path = "<decisions>",
) -> list[Annotation]:
    """Final records in unit order (standoff gold, or id records)."""
    return list(resolve(passes, decisions, decisions_path=decisions_path).values())
