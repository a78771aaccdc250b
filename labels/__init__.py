"""Label schemas, guidelines, annotated corpora and the data layer."""

from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.schema import Label, Schema, available_schemas, load_schema
from labels.segmentation import Sentence, segment

__all__ = [
    "DataError",
    "DataErrors",
    "Label",
    "Schema",
    "Sentence",
    "UnknownLabelError",
    "available_schemas",
    "load_schema",
    "segment",
]
