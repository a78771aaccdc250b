"""Errors that name the file and line, so a labeler can fix the input without a debugger."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike


class DataError(ValueError):
    """A problem in an input file, located as ``path:line: message``."""

    def __init__(self, message: str, *, path: str | PathLike[str] | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class UnknownLabelError(DataError):
    """A label name that the schema does not define (typo, wrong schema, stale file)."""

    def __init__(
        self,
        label: str,
        schema: str,
        *,
        suggestion: str | None = None,
        path: str | PathLike[str] | None = None,
        line: int | None = None,
    ):
        self.label = label
        self.schema = schema
        self.suggestion = suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"unknown label {label!r} for schema {schema!r}{hint}", path=path, line=line)


class DataErrors(DataError):
    """Several problems found in one pass, reported together so they can be fixed together."""

    def __init__(self, errors: Iterable[DataError], *, limit: int = 50):
        self.errors = list(errors)
        shown = [str(e) for e in self.errors[:limit]]
        more = len(self.errors) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        self.message = f"{len(self.errors)} problem(s):\n  " + "\n  ".join(shown)
        self.path = self.errors[0].path if self.errors else None
        self.line = self.errors[0].line if self.errors else None
        ValueError.__init__(self, self.message)

    def __str__(self) -> str:
        return self.message


class ErrorCollector:
    """Collects DataErrors while a file is read, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[DataError] = []

    def add(self, error: DataError) -> None:
        if isinstance(error, DataErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DataErrors(self.errors)
