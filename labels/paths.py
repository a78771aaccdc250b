"""Where the project finds ../shared (seed articles and public corpora).

The data is read in place, never copied. Resolution order: an explicit argument,
the FRAMING_SHARED environment variable, then a ``shared`` folder beside the
project checkout or beside the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
ENV_VAR = "FRAMING_SHARED"


def shared_dir(override: str | Path | None = None) -> Path:
    if override:
        return Path(override).expanduser().resolve()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser().resolve()
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = base.parent / "shared"
        if candidate.is_dir():
            return candidate.resolve()
    return (PROJECT_ROOT.parent / "shared").resolve()

SEED_ANNOTATIONS = PACKAGE_DIR / "annotations" / "seeds"
SEED_PASSES = (SEED_ANNOTATIONS / "pass_a.jsonl", SEED_ANNOTATIONS / "pass_b.jsonl")
SEED_DECISIONS = SEED_ANNOTATIONS / "adjudication.jsonl"
SEED_GOLD = SEED_ANNOTATIONS / "gold.jsonl"
DATA_CARD = PACKAGE_DIR / "README.md"
AUTHORED_DIR = PACKAGE_DIR / "corpus" / "authored"
AUTHORED_PASSES = PACKAGE_DIR / "corpus" / "passes"  # author/, verifier/, adjudication/ per domain file
SEMEVAL_ANNOTATIONS = PACKAGE_DIR / "annotations" / "semeval"
SEMEVAL_PASSES = (SEMEVAL_ANNOTATIONS / "pass_a.jsonl", SEMEVAL_ANNOTATIONS / "pass_b.jsonl")
SEMEVAL_DECISIONS = SEMEVAL_ANNOTATIONS / "adjudication.jsonl"
SEMEVAL_GOLD = SEMEVAL_ANNOTATIONS / "gold.jsonl"
