#!/usr/bin/env python3
"""bert-finetune: BERT-base question-answering fine-tuning throughput in PyTorch.

The study's Table 1 workload, without its data: BERT-base (12 layers, hidden 768, 12 heads, intermediate 3072,
vocabulary 30522, 512 positions) with random weights and a SQuAD head, trained on synthetic SQuAD-shaped
batches (sequence length 384, batch size 4) with AdamW, mixed precision and a linear warm-up/decay schedule.
Warm-up steps are run first and not timed; the timed steps are bracketed by CUDA synchronisation. It prints
DLLogger lines like DeepLearningExamples' run_squad.py (`step_loss`, `learning_rate` every --log-every steps,
then `e2e_train_time`, `training_sequences_per_second`, `final_loss`), read by migbench's `dllogger` parser.

    python3 main.py                      # on the GPU CUDA_VISIBLE_DEVICES names (a MIG device or a whole GPU)
    python3 main.py --device cpu --layers 2 --hidden 128 --heads 2 --intermediate 256 --seq-len 64 --steps 3

Exit codes: 0 done, 2 bad arguments, 3 no GPU visible (without --device cpu).
"""
import argparse
import sys
import time
import warnings

import torch
import torch.nn.functional as F

from bertbench import (BertConfig, BertForQuestionAnswering, DLLogger, add_common_arguments, autocast,
                       check_common_arguments, device_facts, grad_scaler, model_parameters, parameter_count,
                       pick_device, pick_precision, positive_int, non_negative_int, synchronize, synthetic_pool, to_device,
                       wait_at_start_barrier)

PROG = "bert-finetune"
# Distinct batches cycled through: enough that no step sees the same data as the last, little host memory.
POOL_BATCHES = 16
# DeepLearningExamples' SQuAD fine-tuning warms the learning rate up over the first 10% of the steps.
LR_WARMUP_PROPORTION = 0.1


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description="BERT question-answering fine-tuning throughput (synthetic data)")
    add_common_arguments(parser, preset="base", seq_len=384, batch_size=4)
    parser.add_argument("--steps", type=positive_int, default=1000, help="timed training steps (default 1000)")
    parser.add_argument("--warmup-steps", type=non_negative_int, default=20, help="untimed steps before them (default 20)")
    parser.add_argument("--log-every", type=positive_int, default=50, help="log step_loss every N timed steps (default 50)")
    parser.add_argument("--learning-rate", type=float, default=3e-5)
    args = parser.parse_args(argv)
    check_common_arguments(parser, args)
    return args


def lr_factor(total_steps: int):
    warmup = max(1, int(total_steps * LR_WARMUP_PROPORTION))
    return lambda step: (step + 1) / warmup if step < warmup else max(0.0, (total_steps - step) / (total_steps - warmup))


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"{PROG}: BERT question-answering fine-tuning throughput in PyTorch ({args.layers} layers, hidden "
          f"{args.hidden}, {args.heads} heads), random weights, synthetic SQuAD-shaped batches of "
          f"{args.batch_size} x {args.seq_len} tokens", flush=True)
    device = pick_device(PROG, args.device)
    precision = pick_precision(PROG, args.precision, device)
    torch.manual_seed(args.seed)

    model = BertForQuestionAnswering(BertConfig.from_args(args)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(args.warmup_steps + args.steps))
    # Loss scaling keeps fp16 gradients from underflowing; bf16 and fp32 do not need it.
    scaler = grad_scaler(enabled=precision == "fp16")
    # The first fp16 steps usually overflow and the scaler skips their optimizer step; the schedule still
    # advances per step, as in run_squad.py. Checking each step would cost a GPU sync, so PyTorch's warning
    # about that order is silenced rather than acted on.
    warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`")
    pool = synthetic_pool(POOL_BATCHES, args.batch_size, args.seq_len, args.vocab_size, args.seed, device)
    # Loaded: the records, the warm-up and the timed steps start together with the other copies.
    wait_at_start_barrier(device)

    log = DLLogger()
    log.metadata("e2e_train_time", "s")
    log.metadata("training_sequences_per_second", "sequences/s")
    log.log("PARAMETER", {
        "workload": PROG,
        "standin_for": None,
        "measures": "BERT question-answering fine-tuning steps (forward, backward, AdamW) on synthetic SQuAD-shaped batches",
        **device_facts(device, precision),
        **model_parameters(args),
        "parameters": parameter_count(model),
        "train_batch_size": args.batch_size,
        "warmup_steps": args.warmup_steps,
        "max_steps": args.steps,
        "max_seconds": None,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
    })

    def train_step(step: int) -> torch.Tensor:
        batch = to_device(pool[step % len(pool)], device)
        with autocast(device, precision):
            start, end = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        # The loss in fp32, as run_squad.py computes it: the mean of the start and end cross-entropies.
        loss = (F.cross_entropy(start.float(), batch["start_positions"])
                + F.cross_entropy(end.float(), batch["end_positions"])) / 2
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        return loss

    for step in range(args.warmup_steps):
        train_step(step)
    synchronize(device)
    started = time.perf_counter()
    for i in range(1, args.steps + 1):
        loss = train_step(args.warmup_steps + i)
        if i % args.log_every == 0 or i == args.steps:
            # .item() waits for this step; every --log-every steps that costs next to nothing.
            log.log([0, i], {"step_loss": loss.item(), "learning_rate": scheduler.get_last_lr()[0]})
    synchronize(device)
    elapsed = time.perf_counter() - started

    log.log([], {
        "e2e_train_time": elapsed,
        "training_sequences_per_second": args.steps * args.batch_size / elapsed,
        "final_loss": loss.item(),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
