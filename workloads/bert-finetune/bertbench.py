"""Shared parts of migbench's BERT workloads (bert-finetune and bert-infer).

- `DLLogger`: writes DLLogger's JSON-lines form (`DLLL {...}`) to stdout, record for record what NVIDIA's
  dllogger writes for DeepLearningExamples' BERT, so that migbench's `dllogger` parser reads it.
- `BertForQuestionAnswering`: BERT (post-LayerNorm encoder, GELU, learned positions, token types) with a
  question-answering head giving start/end logits; random weights. Attention uses
  torch.nn.functional.scaled_dot_product_attention where this PyTorch has it (2.0+), else the explicit
  softmax(QK^T / sqrt(d)) V; `attention_implementation()` says which.
- Synthetic SQuAD-shaped batches, device selection with a clear failure when no GPU is visible, and the
  facts each run records about its device and software.

It is imported by bert-finetune/main.py (beside it) and bert-infer/main.py (from this folder, or beside it in
the bert-infer image).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# The study's BERT configurations (bert_base_config.json / bert_large_config.json of DeepLearningExamples).
PRESETS = {
    "base": {"layers": 12, "hidden": 768, "heads": 12, "intermediate": 3072},
    "large": {"layers": 24, "hidden": 1024, "heads": 16, "intermediate": 4096},
}
VOCAB_SIZE = 30522
MAX_POSITIONS = 512
# Token ids of bert-base-uncased's vocabulary: padding, [CLS], [SEP].
PAD_ID, CLS_ID, SEP_ID = 0, 101, 102
# Question length of the synthetic SQuAD features (tokens after [CLS], before the first [SEP]).
QUESTION_TOKENS = 24

EXIT_USAGE = 2
EXIT_NO_GPU = 3

SDPA = getattr(F, "scaled_dot_product_attention", None)


def attention_implementation() -> str:
    """`sdpa` (PyTorch's fused attention, 2.0+) or `math` (explicit softmax(QK^T/sqrt(d))V)."""
    return "sdpa" if SDPA is not None else "math"


class DLLogger:
    """DLLogger's JSON lines on stdout: METADATA records (units) and LOG records (data at a step)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.started = time.time()

    def _write(self, record: dict, at: float | None) -> None:
        now = time.time() if at is None else at
        head = {
            "timestamp": str(now),
            "datetime": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat(sep=" "),
            "elapsedtime": str(now - self.started),
        }
        # allow_nan: an fp16 overflow gives a NaN loss, which DLLogger writes as NaN too.
        self.stream.write("DLLL " + json.dumps({**head, **record}, allow_nan=True) + "\n")
        self.stream.flush()

    def metadata(self, metric: str, unit: str) -> None:
        self._write({"type": "METADATA", "metric": metric, "metadata": {"unit": unit}}, None)

    def log(self, step, data: dict, at: float | None = None) -> None:
        """`step`: "PARAMETER", [epoch, iteration], or [] for a final summary; `at`: epoch seconds, default now."""
        self._write({"type": "LOG", "step": step, "data": data}, at)


def fail(prog: str, code: int, message: str):
    sys.stderr.write(f"{prog}: {message}\n")
    sys.exit(code)


# ---- Arguments shared by both workloads


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


def add_common_arguments(parser: argparse.ArgumentParser, preset: str, seq_len: int, batch_size: int) -> None:
    p = PRESETS[preset]
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cuda (default; fails when no GPU is visible) or cpu, for testing the logic without a GPU")
    parser.add_argument("--precision", choices=["auto", "fp16", "bf16", "fp32"], default="auto",
                        help="auto: fp16 on the GPU, fp32 on the CPU")
    parser.add_argument("--batch-size", type=positive_int, default=batch_size)
    parser.add_argument("--seq-len", type=positive_int, default=seq_len, help=f"tokens per sequence (default {seq_len})")
    parser.add_argument("--layers", type=positive_int, default=p["layers"])
    parser.add_argument("--hidden", type=positive_int, default=p["hidden"])
    parser.add_argument("--heads", type=positive_int, default=p["heads"])
    parser.add_argument("--intermediate", type=positive_int, default=p["intermediate"])
    parser.add_argument("--vocab-size", type=positive_int, default=VOCAB_SIZE)
    parser.add_argument("--max-positions", type=positive_int, default=MAX_POSITIONS)
    parser.add_argument("--seed", type=int, default=1)


def check_common_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.hidden % args.heads != 0:
        parser.error(f"--hidden ({args.hidden}) must be a multiple of --heads ({args.heads})")
    if args.seq_len > args.max_positions:
        parser.error(f"--seq-len ({args.seq_len}) exceeds --max-positions ({args.max_positions})")
    if args.seq_len < QUESTION_TOKENS + 8:
        parser.error(f"--seq-len must be at least {QUESTION_TOKENS + 8} (a question and some context)")
    if args.vocab_size <= SEP_ID:
        parser.error(f"--vocab-size must be greater than {SEP_ID} (the [SEP] token id)")


# ---- Device, precision and what a run records about them


def pick_device(prog: str, requested: str) -> torch.device:
    if requested == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        why = "it was built without CUDA" if torch.version.cuda is None else "torch.cuda.is_available() is False"
        fail(prog, EXIT_NO_GPU,
             f"no CUDA GPU is visible to PyTorch {torch.__version__} ({why}; CUDA_VISIBLE_DEVICES "
             f"{'unset' if visible is None else repr(visible)}). Run it on a GPU (a MIG device or a whole GPU), "
             "or pass --device cpu to test it on the CPU.")
    return torch.device("cuda")


def pick_precision(prog: str, requested: str, device: torch.device) -> str:
    if requested == "auto":
        return "fp16" if device.type == "cuda" else "fp32"
    if requested == "fp16" and device.type == "cpu":
        fail(prog, EXIT_USAGE, "--precision fp16 needs a GPU; use bf16 or fp32 with --device cpu")
    if requested == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        fail(prog, EXIT_USAGE, f"--precision bf16: {torch.cuda.get_device_name(device)} does not support bfloat16")
    return requested


DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}


def autocast(device: torch.device, precision: str):
    """Mixed precision for fp16/bf16; none for fp32 (PyTorch 1.x rejects a disabled CPU autocast of fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=DTYPES[precision])


def grad_scaler(enabled: bool):
    """fp16 loss scaling: torch.amp.GradScaler from PyTorch 2.3 (torch.cuda.amp's is deprecated there), else torch.cuda.amp's."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def mig_uuid(visible: str | None) -> str | None:
    """The MIG device in CUDA_VISIBLE_DEVICES (`MIG-<uuid>` or the older `MIG-GPU-<uuid>/<gi>/<ci>`)."""
    entries = [e.strip() for e in (visible or "").split(",")]
    return next((e for e in entries if e.startswith("MIG-")), None)


def device_facts(device: torch.device, precision: str) -> dict:
    """What a run ran on; the same keys for every device (null where one does not apply)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    facts = {
        "device_type": device.type,
        "device_name": platform.processor() or platform.machine(),
        "cuda_visible_devices": visible,
        "mig_uuid": mig_uuid(visible),
        "sm_count": None,
        "gpu_memory_mib": None,
        "compute_capability": None,
        "cpu_threads": torch.get_num_threads(),
        "framework": f"pytorch {torch.__version__}",
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "attention": attention_implementation(),
        "sdpa_backends": None,
        "precision": precision,
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        facts.update(
            device_name=props.name,
            sm_count=props.multi_processor_count,
            gpu_memory_mib=props.total_memory // 2**20,
            compute_capability=f"{props.major}.{props.minor}",
        )
        if SDPA is not None:
            # Which fused kernels SDPA may pick from; it chooses per call (a padding mask rules out flash).
            enabled = {"flash": torch.backends.cuda.flash_sdp_enabled(),
                       "mem_efficient": torch.backends.cuda.mem_efficient_sdp_enabled(),
                       "math": torch.backends.cuda.math_sdp_enabled()}
            facts["sdpa_backends"] = ",".join(name for name, on in enabled.items() if on)
    return facts


def model_parameters(args: argparse.Namespace) -> dict:
    return {
        "num_hidden_layers": args.layers,
        "hidden_size": args.hidden,
        "num_attention_heads": args.heads,
        "intermediate_size": args.intermediate,
        "vocab_size": args.vocab_size,
        "max_position_embeddings": args.max_positions,
        "max_seq_length": args.seq_len,
    }


def synchronize(device: torch.device) -> None:
    """Waits for the GPU's queued work, so that a clock read after it covers that work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def wait_at_start_barrier(device: torch.device) -> None:
    """migbench's start barrier (workloads/README.md), when the harness asks for it: once the model and data
    are on the device, say ready, then wait until every copy of the group is ready and all are released at once."""
    ready_file, go_fifo = os.environ.get("MIGBENCH_READY_FILE"), os.environ.get("MIGBENCH_GO_FIFO")
    if not ready_file or not go_fifo:
        return
    synchronize(device)
    open(ready_file, "wb").close()
    # Opening the FIFO for reading blocks until the harness opens it: that is the release.
    open(go_fifo, "rb").close()


# ---- The model


@dataclass
class BertConfig:
    layers: int
    hidden: int
    heads: int
    intermediate: int
    vocab_size: int = VOCAB_SIZE
    max_positions: int = MAX_POSITIONS
    dropout: float = 0.1

    @staticmethod
    def from_args(args: argparse.Namespace) -> "BertConfig":
        return BertConfig(args.layers, args.hidden, args.heads, args.intermediate, args.vocab_size, args.max_positions)


class SelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.heads = cfg.heads
        self.dropout = cfg.dropout
        self.qkv = nn.Linear(cfg.hidden, 3 * cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.hidden)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """`keep`: bool (batch, 1, 1, seq), True for the keys a token may attend to (not padding)."""
        b, s, h = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        if SDPA is not None:
            context = SDPA(q, k, v, attn_mask=keep, dropout_p=p)
        else:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
            probs = scores.masked_fill(~keep, float("-inf")).softmax(dim=-1)
            context = F.dropout(probs, p, self.training) @ v
        return self.out(context.transpose(1, 2).reshape(b, s, h))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.attention = SelfAttention(cfg)
        self.norm1 = nn.LayerNorm(cfg.hidden, eps=1e-12)
        self.ff1 = nn.Linear(cfg.hidden, cfg.intermediate)
        self.ff2 = nn.Linear(cfg.intermediate, cfg.hidden)
        self.norm2 = nn.LayerNorm(cfg.hidden, eps=1e-12)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop(self.attention(x, keep)))
        return self.norm2(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))


class BertForQuestionAnswering(nn.Module):
    """BERT with SQuAD's head: a linear layer giving a start and an end logit per token."""

    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.word = nn.Embedding(cfg.vocab_size, cfg.hidden, padding_idx=PAD_ID)
        self.position = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.token_type = nn.Embedding(2, cfg.hidden)
        self.norm = nn.LayerNorm(cfg.hidden, eps=1e-12)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.layers))
        self.qa = nn.Linear(cfg.hidden, 2)
        self.apply(_init_weights)

    def forward(self, input_ids, token_type_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word(input_ids) + self.position(positions) + self.token_type(token_type_ids)
        x = self.drop(self.norm(x))
        keep = attention_mask[:, None, None, :]
        for layer in self.layers:
            x = layer(x, keep)
        start, end = self.qa(x).unbind(dim=-1)
        return start, end


def _init_weights(module: nn.Module) -> None:
    """BERT's initialisation: normal(0, 0.02) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear):
        nn.init.zeros_(module.bias)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---- Synthetic SQuAD-shaped inputs


def synthetic_batch(generator: torch.Generator, batch: int, seq_len: int, vocab_size: int) -> dict:
    """One batch shaped like run_squad.py's features: [CLS] question [SEP] context [SEP], then padding.

    Lengths vary between half and all of seq_len, as SQuAD's do; answers are spans inside the context.
    """
    lengths = torch.randint(seq_len // 2, seq_len + 1, (batch,), generator=generator)
    positions = torch.arange(seq_len)
    keep = positions[None, :] < lengths[:, None]
    input_ids = torch.randint(SEP_ID + 1, vocab_size, (batch, seq_len), generator=generator)
    input_ids[:, 0] = CLS_ID
    input_ids[:, QUESTION_TOKENS + 1] = SEP_ID
    input_ids[torch.arange(batch), lengths - 1] = SEP_ID
    input_ids[~keep] = PAD_ID
    token_type_ids = ((positions[None, :] > QUESTION_TOKENS + 1) & keep).long()
    context_start = QUESTION_TOKENS + 2
    # Spans of up to 30 tokens that end before the final [SEP].
    start = context_start + (torch.rand(batch, generator=generator) * (lengths - 1 - context_start)).long()
    end = torch.minimum(start + torch.randint(0, 30, (batch,), generator=generator), lengths - 2)
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": keep,
            "start_positions": start, "end_positions": end}


def synthetic_pool(count: int, batch: int, seq_len: int, vocab_size: int, seed: int, device: torch.device) -> list:
    """`count` batches in host memory (pinned for fast copies to a GPU), reused round robin."""
    generator = torch.Generator().manual_seed(seed)
    pool = [synthetic_batch(generator, batch, seq_len, vocab_size) for _ in range(count)]
    if device.type == "cuda":
        pool = [{k: t.pin_memory() for k, t in b.items()} for b in pool]
    return pool


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: t.to(device, non_blocking=True) for k, t in batch.items()}


def percentile(sorted_values: list, p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]
