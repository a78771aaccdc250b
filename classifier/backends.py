"""Inference backends for a FramingModel, and a measured choice of the fast one.

- ``torch-fp32``: the reference.
- ``torch-bf16``: the same weights in bfloat16; fast on CPUs with native bf16
  (AVX512-BF16, AMX), slow elsewhere.
- ``onnx-fp32``: ONNX Runtime with graph fusions; same numbers as fp32 up to rounding.
- ``onnx-int8``: ONNX Runtime with dynamic int8 quantization (per-channel weights).

``choose_backend`` scores calibration sentences with each candidate and with
fp32, and keeps the fastest candidate whose labels agree with fp32 on at least
99% of sentences; the decision is cached per model, machine and library version.
A backend that changes labels is never on by default.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import platform
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from classifier.model import FramingModel

BACKENDS = ("torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8")
FAST_CANDIDATES = ("torch-bf16", "onnx-int8", "onnx-fp32")
MIN_AGREEMENT = 0.99
CACHE_DIR = Path.home() / ".cache" / "framing-signals"


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def native_bf16() -> bool:
    flags = cpu_flags()
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def weights_digest(model: FramingModel) -> str:
    """Identifies the exact weights (and thresholds), for caches and for the model id in outputs."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().contiguous().numpy().tobytes())
    digest.update(json.dumps(model.thresholds, sort_keys=True).encode())
    return digest.hexdigest()[:16]


class TorchRunner:
    def __init__(self, model: FramingModel, dtype: torch.dtype):
        self.name = "torch-bf16" if dtype == torch.bfloat16 else "torch-fp32"
        self.module = copy.deepcopy(model.model).to(dtype).eval() if dtype != torch.float32 else model.model

    @torch.inference_mode()
    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        tensors = {k: torch.from_numpy(v) for k, v in batch.items()}
        return self.module(**tensors).logits.float().numpy()


class OnnxRunner:
    def __init__(self, model: FramingModel, *, quantize: bool, threads: int | None = None,
                 cache_dir: Path = CACHE_DIR):
        import onnxruntime as ort

        self.name = "onnx-int8" if quantize else "onnx-fp32"
        path = export_onnx(model, cache_dir, quantize=quantize)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feed = {k: v for k, v in batch.items() if k in self.inputs}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(batch["input_ids"])
        return self.session.run(["logits"], feed)[0].astype(np.float32)


def export_onnx(model: FramingModel, cache_dir: Path, *, quantize: bool) -> Path:
    """Export once per weights digest (and quantize once); later loads reuse the files."""
    folder = cache_dir / "onnx" / weights_digest(model)
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        sample = model.tokenizer(["a short sentence", "a slightly longer example sentence"], padding=True,
                                 return_tensors="pt")
        names = ["input_ids", "attention_mask"] + (["token_type_ids"] if "token_type_ids" in sample else [])
        axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"logits": {0: "batch"}}
        tmp = folder / "model.onnx.tmp"
        with warnings.catch_warnings():
            # tracer notes about Python booleans in the attention-mask code: for an encoder
            # (no causal mask, no cache) those branches are constant; tests compare ONNX with torch
            warnings.simplefilter("ignore")
            torch.onnx.export(model.model, tuple(sample[n] for n in names), str(tmp), input_names=names,
                              output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
        tmp.replace(fp32)
    if not quantize:
        return fp32
    int8 = folder / "model.int8.onnx"
    if not int8.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = folder / "model.int8.onnx.tmp"
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint on the root logger
        try:
            # onnxruntime's shape inference may drop a sym_shape_infer_temp.onnx in the working
            # directory: keep it in the cache folder, not in the user's (or the repo's) folder
            with contextlib.chdir(folder):
                quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        tmp.replace(int8)
    return int8


def with_backend(model: FramingModel, backend: str, *, threads: int | None = None,
                 cache_dir: Path = CACHE_DIR) -> FramingModel:
    """A FramingModel sharing weights and thresholds, scored through ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)} or auto")
    if backend == "torch-fp32":
        runner: Callable | None = None
    elif backend == "torch-bf16":
        runner = TorchRunner(model, torch.bfloat16)
    else:
        runner = OnnxRunner(model, quantize=backend == "onnx-int8", threads=threads, cache_dir=cache_dir)
    clone = FramingModel(model.model, model.tokenizer, model.thresholds, max_length=model.max_length,
                         name=model.name, runner=runner)
    clone.backend = backend
    return clone


@dataclass
class BackendCheck:
    backend: str
    sentences_per_second: float
    identical_share: float
    ok: bool
    error: str = ""


def label_agreement(reference: list[tuple[str, ...]], candidate: list[tuple[str, ...]]) -> float:
    return float(np.mean([a == b for a, b in zip(reference, candidate)])) if reference else 1.0


def _timed(model: FramingModel, encoded, batch_size: int) -> tuple[np.ndarray, float]:
    model.predict_encoded(encoded[:32], batch_size=batch_size)  # warm-up
    start = time.perf_counter()
    scores = model.predict_encoded(encoded, batch_size=batch_size)
    return scores, len(encoded) / (time.perf_counter() - start)


def choose_backend(
    model: FramingModel,
    calibration: Sequence[str],
    *,
    candidates: Sequence[str] = FAST_CANDIDATES,
    min_agreement: float = MIN_AGREEMENT,
    batch_size: int = 32,
    threads: int | None = None,
    cache_dir: Path = CACHE_DIR,
) -> tuple[str, list[BackendCheck]]:
    """The fastest backend whose labels match fp32 on >= ``min_agreement`` of the calibration sentences."""
    key = json.dumps({"weights": weights_digest(model), "machine": platform.machine(),
                      "bf16": native_bf16(), "threads": threads or torch.get_num_threads(),
                      "torch": torch.__version__, "ort": _version("onnxruntime"),
                      "calibration": hashlib.sha256("\n".join(calibration).encode()).hexdigest()[:16],
                      "candidates": list(candidates), "min_agreement": min_agreement}, sort_keys=True)
    cache = cache_dir / "backend-choice" / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".json")
    if cache.is_file():
        saved = json.loads(cache.read_text())
        return saved["backend"], [BackendCheck(**c) for c in saved["checks"]]
    encoded = model.encode(calibration)
    reference_scores, reference_speed = _timed(model, encoded, batch_size)
    reference = model.decide(reference_scores)
    checks = [BackendCheck("torch-fp32", round(reference_speed, 1), 1.0, True)]
    for name in candidates:
        if name == "torch-bf16" and not native_bf16():
            checks.append(BackendCheck(name, 0.0, 0.0, False, "no native bf16 on this CPU"))
            continue
        try:
            candidate = with_backend(model, name, threads=threads, cache_dir=cache_dir)
            scores, speed = _timed(candidate, encoded, batch_size)
        except Exception as exc:  # an optional backend that cannot run here is skipped, not fatal
            checks.append(BackendCheck(name, 0.0, 0.0, False, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        agreement = label_agreement(reference, model.decide(scores))
        checks.append(BackendCheck(name, round(speed, 1), round(agreement, 4), agreement >= min_agreement))
    usable = [c for c in checks if c.ok]
    best = max(usable, key=lambda c: c.sentences_per_second).backend
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"backend": best, "checks": [asdict(c) for c in checks]}, indent=2))
    return best, checks


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"
