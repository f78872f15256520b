#!/usr/bin/env python3
"""bert-infer: BERT-large question-answering inference latency and throughput in PyTorch.

The study's Table 2 workload, without Triton and TensorRT: BERT-large (24 layers, hidden 1024, 16 heads,
intermediate 4096) with random weights and a SQuAD head, in fp16, serving one synthetic SQuAD-shaped request
at a time (batch size 1, sequence length 128). Each request is timed on its own: copy the input to the GPU,
run the model, bring the answer span (argmax of the start and end logits) back to the host, which waits for
the GPU. Warm-up requests come first and are not timed. It prints DLLogger lines: one record per request
with its `latency` (ms), then `e2e_inference_time`, `inference_sequences_per_second` and `latency_avg`,
`latency_p50/p90/p95/p99`, `latency_max`, read by migbench's `dllogger` parser.

    python3 main.py                      # on the GPU CUDA_VISIBLE_DEVICES names (a MIG device or a whole GPU)
    python3 main.py --device cpu --layers 2 --hidden 128 --heads 2 --intermediate 256 --seq-len 64 --requests 20

Exit codes: 0 done, 2 bad arguments, 3 no GPU visible (without --device cpu).
"""
import argparse
import sys
import time
from pathlib import Path

import torch

# bertbench.py lives beside bert-finetune's main.py in the repository, and beside this file in the image.
sys.path[1:1] = [str(Path(__file__).resolve().parent.parent / "bert-finetune")]

from bertbench import (DTYPES, BertConfig, BertForQuestionAnswering, DLLogger, add_common_arguments,  # noqa: E402
                       check_common_arguments, device_facts, model_parameters, non_negative_int, parameter_count,
                       percentile, pick_device, pick_precision, positive_int, synchronize, synthetic_pool,
                       wait_at_start_barrier)

PROG = "bert-infer"
# Distinct requests cycled through, so that consecutive requests differ in length as SQuAD's questions do.
POOL_REQUESTS = 64


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description="BERT question-answering inference latency (synthetic requests)")
    add_common_arguments(parser, preset="large", seq_len=128, batch_size=1)
    parser.add_argument("--requests", type=positive_int, default=2000, help="timed requests (default 2000)")
    parser.add_argument("--warmup-requests", type=non_negative_int, default=50, help="untimed requests before them (default 50)")
    args = parser.parse_args(argv)
    check_common_arguments(parser, args)
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"{PROG}: BERT question-answering inference latency in PyTorch ({args.layers} layers, hidden {args.hidden}, "
          f"{args.heads} heads), random weights, synthetic SQuAD-shaped requests of {args.batch_size} x "
          f"{args.seq_len} tokens, one at a time", flush=True)
    device = pick_device(PROG, args.device)
    precision = pick_precision(PROG, args.precision, device)
    torch.manual_seed(args.seed)

    # Inference runs in the precision itself (as a TensorRT fp16 engine does), not under autocast.
    model = BertForQuestionAnswering(BertConfig.from_args(args)).to(device=device, dtype=DTYPES[precision]).eval()
    pool = synthetic_pool(POOL_REQUESTS, args.batch_size, args.seq_len, args.vocab_size, args.seed, device)
    # Loaded: the records, the warm-up and the timed requests start together with the other copies.
    wait_at_start_barrier(device)

    log = DLLogger()
    for metric, unit in [("e2e_inference_time", "s"), ("inference_sequences_per_second", "sequences/s"), ("latency", "ms"),
                         ("latency_avg", "ms"), ("latency_p50", "ms"), ("latency_p90", "ms"), ("latency_p95", "ms"),
                         ("latency_p99", "ms"), ("latency_max", "ms")]:
        log.metadata(metric, unit)
    log.log("PARAMETER", {
        "workload": PROG,
        "standin_for": None,
        "measures": "BERT question-answering inference requests (input to device, forward, answer span to host), one at a time",
        **device_facts(device, precision),
        **model_parameters(args),
        "parameters": parameter_count(model),
        "predict_batch_size": args.batch_size,
        "warmup_requests": args.warmup_requests,
        "max_requests": args.requests,
        "max_seconds": None,
        "seed": args.seed,
    })

    def serve(request: int) -> torch.Tensor:
        batch = pool[request % len(pool)]
        ids, types, mask = (batch[k].to(device, non_blocking=True) for k in ("input_ids", "token_type_ids", "attention_mask"))
        start, end = model(ids, types, mask)
        # The copy to the host waits for the GPU: the request is answered when this returns.
        return torch.stack([start.argmax(dim=-1), end.argmax(dim=-1)]).cpu()

    latencies_ms, finished_at = [], []
    with torch.inference_mode():
        for request in range(args.warmup_requests):
            serve(request)
        synchronize(device)
        started = time.perf_counter()
        for request in range(args.requests):
            t0 = time.perf_counter()
            serve(args.warmup_requests + request)
            t1 = time.perf_counter()
            latencies_ms.append((t1 - t0) * 1000)
            finished_at.append(time.time())
        elapsed = time.perf_counter() - started

    # Written after the timed loop so that printing costs no request anything; each record keeps its own time.
    for i, (latency, at) in enumerate(zip(latencies_ms, finished_at), start=1):
        log.log([0, i], {"latency": latency}, at=at)
    ordered = sorted(latencies_ms)
    log.log([], {
        "e2e_inference_time": elapsed,
        "inference_sequences_per_second": args.requests * args.batch_size / elapsed,
        "latency_avg": sum(ordered) / len(ordered),
        "latency_p50": percentile(ordered, 50),
        "latency_p90": percentile(ordered, 90),
        "latency_p95": percentile(ordered, 95),
        "latency_p99": percentile(ordered, 99),
        "latency_max": ordered[-1],
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
