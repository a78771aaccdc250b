"""Shared fixtures. Tests that need ../shared skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from labels.paths import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    root = shared_dir()
    if not (root / "seeds").is_dir():
        pytest.skip(f"../shared not found at {root} (set FRAMING_SHARED); CI has it")
    return root


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    return shared / "seeds"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


TINY_WORDS = (
    "the a of to and in is was said will not must only if may might could would talks union deal offer "
    "ready dialogue demand demands terms unchanged never accept accepted dropped raised compromise agreed "
    "unclear too early say declined comment perhaps likely strike war ceasefire government minister "
    "company board bid pay rise tariffs sanctions we our they their it on for with by at from as this that "
    "no yes all any more less new next week monday friday its remain be met than time were resume later"
).split()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A random-weight 2-layer BERT with a word-level vocabulary: trains in seconds, loads like any HF model."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TINY_WORDS, *"abcdefghijklmnopqrstuvwxyz.,;:!?\"'"]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(root)
    tokenizer.save_pretrained(root)
    return root


@pytest.fixture(scope="session")
def tiny_framing_model(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny BERT fine-tuned for a few epochs on the toy framing corpus, saved like a real run's model/."""
    from labels.schema import load_schema
    from tests.training.toy import toy_examples
    from training.config import TrainConfig
    from training.finetune import finetune

    config = TrainConfig(model=str(tiny_model_dir), epochs=8, batch_size=8, learning_rate=3e-3, max_length=48,
                         patience=8, freeze_embeddings=False, threads=1, loao_split="", output_dir="unused",
                         model_card="", name="tiny-framing")
    model, _ = finetune(config, load_schema("framing"), toy_examples(20, seed=1), toy_examples(6, seed=2),
                        progress=lambda _: None)
    out = tmp_path_factory.mktemp("tiny-framing") / "model"
    model.save_pretrained(out)
    return out


def require_browser() -> None:
    """Skip, saying how to fix it, unless Debian's chromium and Playwright are installed."""
    from classifier.browser import chromium_path

    if chromium_path() is None:
        pytest.skip("no chromium: run scripts/install-browser.sh (make test does)")
    pytest.importorskip("playwright")
