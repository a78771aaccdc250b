from __future__ import annotations

from pathlib import Path

import pytest

from labels.errors import DataError, DataErrors
from training.config import TrainConfig
from tests.conftest import write


def test_defaults_are_valid_and_round_trip(tmp_path: Path):
    config = TrainConfig()
    assert config.model == "minilm" and config.train_splits == ["train", "seed_gold"]
    path = write(tmp_path / "c.yaml", config.to_yaml())
    assert TrainConfig.from_yaml(path) == config


def test_committed_configs_load():
    for path in sorted(Path("training/configs").glob("*.yaml")):
        config = TrainConfig.from_yaml(path)
        assert config.name == path.stem, path


def test_yaml_overrides_and_cli_overrides(tmp_path: Path):
    path = write(tmp_path / "c.yaml", "name: x\nepochs: 3\ntrain_splits: [train]\n")
    config = TrainConfig.from_yaml(path, ["epochs=5", "learning_rate=1e-4", "test_splits=test,seed_gold",
                                          "freeze_embeddings=false", "loao_split="])
    assert (config.epochs, config.learning_rate, config.train_splits) == (5, 1e-4, ["train"])
    assert config.test_splits == ["test", "seed_gold"] and config.freeze_embeddings is False


def test_unknown_key_names_line_and_suggests(tmp_path: Path):
    path = write(tmp_path / "c.yaml", "name: x\nepochs: 3\nlearning_rat: 0.1\n")
    with pytest.raises(DataError) as info:
        TrainConfig.from_yaml(path)
    assert info.value.line == 3 and "did you mean 'learning_rate'" in info.value.message


def test_bad_types_name_their_lines(tmp_path: Path):
    path = write(tmp_path / "c.yaml", "epochs: three\nfreeze_embeddings: 1\nclass_weighting: focal\n")
    with pytest.raises(DataErrors) as info:
        TrainConfig.from_yaml(path)
    by_line = {e.line: e.message for e in info.value.errors}
    assert "epochs: must be an integer" in by_line[1]
    assert "freeze_embeddings: must be true or false" in by_line[2]
    assert "must be one of ['none', 'pos_weight']" in by_line[3]


@pytest.mark.parametrize(("changes", "message"), [
    ({"epochs": 0}, "epochs must be at least 1"),
    ({"learning_rate": 2.0}, "learning_rate must be in (0, 1)"),
    ({"dev_split": "train"}, "must not also be a train or test split"),
    ({"test_splits": ["train"]}, "both train and test splits"),
    ({"name": "a/b"}, "plain run name"),
    ({"max_pos_weight": 0.5}, "max_pos_weight must be >= 1"),
])
def test_validation_in_post_init(changes, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(**changes)


def test_override_syntax_errors():
    with pytest.raises(DataError, match="key=value"):
        TrainConfig.default(["epochs"])
    with pytest.raises(DataError, match="unknown config key 'epoch'"):
        TrainConfig.default(["epoch=2"])
