#!/usr/bin/env node
/**
 * cpu-standin: a CPU stand-in for the BERT workloads, with their output. `--mode finetune` prints exactly
 * bert-finetune's DLLogger lines, `--mode infer` exactly bert-infer's, so that scenarios, the `dllogger`
 * parser and reports can be tried on a machine without a GPU or Python. What it measures is real, but it is
 * this CPU: a scaled-down BERT encoder (self-attention and feed-forward layers, float32, plain JavaScript)
 * trained with SGD on synthetic SQuAD-shaped batches (finetune), or answering one request at a time (infer).
 * Its first output line and its PARAMETER record say so. See ../README.md.
 *
 * Plain Node.js ESM with no dependencies: `node workloads/cpu-standin/main.js` runs anywhere Node 20 does.
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";

const USAGE = `usage: node workloads/cpu-standin/main.js --mode finetune|infer [options]

A CPU stand-in for bert-finetune / bert-infer: the same DLLogger lines, measured on this CPU.

options:
  --mode M              finetune (training steps) or infer (one request at a time)
  --seconds S           measured duration (> 0, default 2) unless --steps / --requests is given
  --steps N             finetune: timed training steps instead of a duration
  --requests N          infer: timed requests instead of a duration
  --warmup-steps N      finetune: untimed steps first (default 2)
  --warmup-requests N   infer: untimed requests first (default 5)
  --log-every N         finetune: log step_loss every N timed steps (default 1)
  --batch-size N        default 4 (finetune), 1 (infer)
  --seq-len N           tokens per sequence, >= 32 (default 64 finetune, 32 infer)
  --layers N --hidden N --heads N --intermediate N --vocab-size N
                        the scaled-down encoder (default 2, 64, 2, 256, 1024)
  --learning-rate X     finetune: SGD step size (default 0.001)
  --seed N              default 1
  -h, --help            show this help`;

/** As in bertbench.py: padding, [CLS], [SEP] ids; question tokens after [CLS]. */
const PAD_ID = 0;
const CLS_ID = 101;
const SEP_ID = 102;
const QUESTION_TOKENS = 24;
const MAX_POSITIONS = 512;
/** Distinct batches cycled through, as the Python workloads do (16 for fine-tuning, 64 requests). */
const POOL = { finetune: 16, infer: 64 };
const MODE_DEFAULTS = {
  finetune: { batchSize: 4, seqLen: 64, warmup: 2 },
  infer: { batchSize: 1, seqLen: 32, warmup: 5 },
};

function usageError(message) {
  process.stderr.write(`cpu-standin: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberFlag(values, name, fallback, { min, max = Number.MAX_SAFE_INTEGER, integer = true, exclusiveMin = false }) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw.trim());
  const tooSmall = exclusiveMin ? value <= min : value < min;
  if (raw.trim() === "" || !Number.isFinite(value) || tooSmall || value > max || (integer && !Number.isInteger(value))) {
    usageError(`--${name} must be ${integer ? "an integer" : "a number"} ${exclusiveMin ? ">" : ">="} ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` and <= ${max}`}, got "${raw}"`);
  }
  return value;
}

function readOptions(argv) {
  const names = ["mode", "seconds", "steps", "requests", "warmup-steps", "warmup-requests", "log-every", "batch-size", "seq-len",
    "layers", "hidden", "heads", "intermediate", "vocab-size", "learning-rate", "seed"];
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { ...Object.fromEntries(names.map((n) => [n, { type: "string" }])), help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const mode = values.mode;
  if (mode !== "finetune" && mode !== "infer") usageError(`--mode must be finetune or infer, got ${mode === undefined ? "nothing" : `"${mode}"`}`);
  const [countFlag, warmupFlag, otherCount, otherWarmup] =
    mode === "finetune" ? ["steps", "warmup-steps", "requests", "warmup-requests"] : ["requests", "warmup-requests", "steps", "warmup-steps"];
  for (const flag of [otherCount, otherWarmup, ...(mode === "infer" ? ["log-every", "learning-rate"] : [])]) {
    if (values[flag] !== undefined) usageError(`--${flag} does not apply to --mode ${mode}`);
  }
  if (values[countFlag] !== undefined && values.seconds !== undefined) usageError(`give --${countFlag} or --seconds, not both`);
  const defaults = MODE_DEFAULTS[mode];
  const options = {
    mode,
    count: values[countFlag] === undefined ? null : numberFlag(values, countFlag, 0, { min: 1 }),
    seconds: values[countFlag] === undefined ? numberFlag(values, "seconds", 2, { min: 0, exclusiveMin: true, integer: false }) : null,
    warmup: numberFlag(values, warmupFlag, defaults.warmup, { min: 0 }),
    logEvery: numberFlag(values, "log-every", 1, { min: 1 }),
    batchSize: numberFlag(values, "batch-size", defaults.batchSize, { min: 1, max: 256 }),
    seqLen: numberFlag(values, "seq-len", defaults.seqLen, { min: QUESTION_TOKENS + 8, max: MAX_POSITIONS }),
    layers: numberFlag(values, "layers", 2, { min: 1, max: 48 }),
    hidden: numberFlag(values, "hidden", 64, { min: 1, max: 2048 }),
    heads: numberFlag(values, "heads", 2, { min: 1, max: 64 }),
    intermediate: numberFlag(values, "intermediate", 256, { min: 1, max: 8192 }),
    vocabSize: numberFlag(values, "vocab-size", 1024, { min: SEP_ID + 1, max: 65536 }),
    learningRate: numberFlag(values, "learning-rate", 1e-3, { min: 0, exclusiveMin: true, integer: false }),
    seed: numberFlag(values, "seed", 1, { min: 0 }),
  };
  if (options.hidden % options.heads !== 0) usageError(`--hidden (${options.hidden}) must be a multiple of --heads (${options.heads})`);
  return options;
}

// ---- DLLogger's JSON lines, as bertbench.py's DLLogger writes them

const NON_FINITE = "\u0000non-finite:";
const NON_FINITE_VALUE = /"\\u0000non-finite:(NaN|-?Infinity)"/g;
const nowSeconds = () => (performance.timeOrigin + performance.now()) / 1000;
const loggerStarted = nowSeconds();

function dllog(record, at = nowSeconds()) {
  const whole = Math.floor(at);
  const iso = new Date(whole * 1000).toISOString();
  const micros = String(Math.floor((at - whole) * 1e6)).padStart(6, "0");
  const head = { timestamp: String(at), datetime: `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}+00:00`, elapsedtime: String(at - loggerStarted) };
  // NaN and Infinity as Python's json writes them (a diverged loss), where JSON.stringify would write null.
  const json = JSON.stringify({ ...head, ...record }, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? `${NON_FINITE}${v}` : v));
  process.stdout.write(`DLLL ${json.replace(NON_FINITE_VALUE, "$1")}\n`);
}
const metadata = (metric, unit) => dllog({ type: "METADATA", metric, metadata: { unit } });
const logRecord = (step, data, at) => dllog({ type: "LOG", step, data }, at);

// ---- Numbers

/** A deterministic generator (mulberry32), so that a seed always gives the same weights and batches. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomInt = (random, lo, hi) => lo + Math.floor(random() * (hi - lo)); // [lo, hi)

/** c[m×n] += a[m×k] · b[k×n], row-major; the i-p-j order walks b and c contiguously. */
function mm(a, b, c, m, k, n) {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const bp = p * n;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
}

/** c[m×n] += a[m×k] · b[n×k]ᵀ. */
function mmNT(a, b, c, m, k, n) {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
      c[i * n + j] += sum;
    }
  }
}

/** c[m×n] += a[k×m]ᵀ · b[k×n]. */
function mmTN(a, b, c, m, k, n) {
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < m; i++) {
      const api = a[p * m + i];
      for (let j = 0; j < n; j++) c[i * n + j] += api * b[p * n + j];
    }
  }
}

/** Normalises each row of x[rows×cols] in place to mean 0, variance 1 (BERT's LayerNorm without its scale and shift). */
function layerNorm(x, rows, cols) {
  for (let i = 0; i < rows; i++) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[i * cols + j];
    mean /= cols;
    let variance = 0;
    for (let j = 0; j < cols; j++) variance += (x[i * cols + j] - mean) ** 2;
    const scale = 1 / Math.sqrt(variance / cols + 1e-12);
    for (let j = 0; j < cols; j++) x[i * cols + j] = (x[i * cols + j] - mean) * scale;
  }
}

const GELU_C = Math.sqrt(2 / Math.PI);
/** GELU (tanh form) and its derivative. */
const gelu = (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x ** 3)));
function geluGrad(x) {
  const t = Math.tanh(GELU_C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

// ---- The scaled-down encoder with a question-answering head

function createModel(o, random) {
  // Uniform weights with BERT's standard deviation of 0.02.
  const spread = 0.02 * Math.sqrt(3);
  const weights = (rows, cols) => Float32Array.from({ length: rows * cols }, () => (random() * 2 - 1) * spread);
  const H = o.hidden;
  const I = o.intermediate;
  const layers = Array.from({ length: o.layers }, () => ({ qkv: weights(H, 3 * H), out: weights(H, H), ff1: weights(H, I), ff2: weights(I, H) }));
  const model = { word: weights(o.vocabSize, H), position: weights(MAX_POSITIONS, H), layers, qa: weights(H, 2) };
  // Only the encoder and the head learn; the embeddings stay as drawn.
  model.trainable = [...layers.flatMap((l) => [l.qkv, l.out, l.ff1, l.ff2]), model.qa];
  model.parameters = model.word.length + model.position.length + model.trainable.reduce((n, w) => n + w.length, 0);
  return model;
}

/** Activations of one sequence, kept for the backward pass; allocated once and reused. */
function createWorkspace(o) {
  const S = o.seqLen;
  const H = o.hidden;
  const I = o.intermediate;
  const f = (n) => new Float32Array(n);
  return {
    layers: Array.from({ length: o.layers }, () => ({ x: f(S * H), qkv: f(S * 3 * H), probs: f(o.heads * S * S), ctx: f(S * H), x1: f(S * H), pre: f(S * I), act: f(S * I) })),
    out: f(S * H), tmp: f(S * H), logits: f(S * 2),
    dA: f(S * H), dB: f(S * H), dX1: f(S * H), dAct: f(S * I), dPre: f(S * I), dCtx: f(S * H), dQkv: f(S * 3 * H), dP: f(S),
  };
}

/** softmax(QKᵀ/√d)·V per head; keys past `length` (padding) get no weight. */
function attention(L, o, length) {
  const S = o.seqLen;
  const H = o.hidden;
  const d = H / o.heads;
  const scale = 1 / Math.sqrt(d);
  L.ctx.fill(0);
  for (let h = 0; h < o.heads; h++) {
    for (let i = 0; i < S; i++) {
      const row = (h * S + i) * S;
      let max = -Infinity;
      for (let j = 0; j < length; j++) {
        let dot = 0;
        for (let p = 0; p < d; p++) dot += L.qkv[i * 3 * H + h * d + p] * L.qkv[j * 3 * H + H + h * d + p];
        const score = dot * scale;
        L.probs[row + j] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let j = 0; j < length; j++) sum += L.probs[row + j] = Math.exp(L.probs[row + j] - max);
      for (let j = length; j < S; j++) L.probs[row + j] = 0;
      for (let j = 0; j < length; j++) {
        const pj = (L.probs[row + j] /= sum);
        for (let p = 0; p < d; p++) L.ctx[i * H + h * d + p] += pj * L.qkv[j * 3 * H + 2 * H + h * d + p];
      }
    }
  }
}

/** The forward pass of one sequence; leaves the start/end logits in ws.logits (S×2). */
function forward(model, ws, o, ids, length) {
  const S = o.seqLen;
  const H = o.hidden;
  const I = o.intermediate;
  let x = ws.layers[0].x;
  for (let i = 0; i < S; i++) for (let j = 0; j < H; j++) x[i * H + j] = model.word[ids[i] * H + j] + model.position[i * H + j];
  layerNorm(x, S, H);
  model.layers.forEach((W, l) => {
    const L = ws.layers[l];
    L.qkv.fill(0);
    mm(L.x, W.qkv, L.qkv, S, H, 3 * H);
    attention(L, o, length);
    L.x1.set(L.x);
    mm(L.ctx, W.out, L.x1, S, H, H);
    layerNorm(L.x1, S, H);
    L.pre.fill(0);
    mm(L.x1, W.ff1, L.pre, S, H, I);
    for (let k = 0; k < L.act.length; k++) L.act[k] = gelu(L.pre[k]);
    const next = l + 1 < o.layers ? ws.layers[l + 1].x : ws.out;
    next.set(L.x1);
    mm(L.act, W.ff2, next, S, I, H);
    layerNorm(next, S, H);
    x = next;
  });
  ws.logits.fill(0);
  mm(x, model.qa, ws.logits, S, H, 2);
}

/** Cross-entropy of a column of logits (S×2) against a position; writes its gradient (scaled by `weight`) into grad. */
function crossEntropy(logits, column, target, S, grad, weight) {
  let max = -Infinity;
  for (let i = 0; i < S; i++) max = Math.max(max, logits[i * 2 + column]);
  let sum = 0;
  for (let i = 0; i < S; i++) sum += Math.exp(logits[i * 2 + column] - max);
  for (let i = 0; i < S; i++) grad[i * 2 + column] = weight * (Math.exp(logits[i * 2 + column] - max) / sum - (i === target ? 1 : 0));
  return Math.log(sum) + max - logits[target * 2 + column];
}

/** Attention's backward pass for one layer: dCtx → dQkv (exact, softmax included). */
function attentionBackward(L, ws, o, length) {
  const S = o.seqLen;
  const H = o.hidden;
  const d = H / o.heads;
  const scale = 1 / Math.sqrt(d);
  const { dCtx, dQkv, dP } = ws;
  dQkv.fill(0);
  for (let h = 0; h < o.heads; h++) {
    for (let i = 0; i < S; i++) {
      const row = (h * S + i) * S;
      let rowDot = 0;
      for (let j = 0; j < length; j++) {
        let dot = 0;
        for (let p = 0; p < d; p++) {
          dot += dCtx[i * H + h * d + p] * L.qkv[j * 3 * H + 2 * H + h * d + p];
          dQkv[j * 3 * H + 2 * H + h * d + p] += L.probs[row + j] * dCtx[i * H + h * d + p];
        }
        dP[j] = dot;
        rowDot += L.probs[row + j] * dot;
      }
      for (let j = 0; j < length; j++) {
        const dScore = L.probs[row + j] * (dP[j] - rowDot) * scale;
        for (let p = 0; p < d; p++) {
          dQkv[i * 3 * H + h * d + p] += dScore * L.qkv[j * 3 * H + H + h * d + p];
          dQkv[j * 3 * H + H + h * d + p] += dScore * L.qkv[i * 3 * H + h * d + p];
        }
      }
    }
  }
}

/**
 * The backward pass of one sequence, from the logits' gradient (ws.logits' shape, in `dLogits`), adding the
 * weights' gradients into `grads`. Matrix multiplies, softmax and GELU are differentiated exactly; the layer
 * norms are passed straight through (they have no weights here), which keeps the work of a real backward pass.
 */
function backward(model, grads, ws, o, dLogits, length) {
  const S = o.seqLen;
  const H = o.hidden;
  const I = o.intermediate;
  let dOut = ws.dA;
  let dIn = ws.dB;
  dOut.fill(0);
  mmNT(dLogits, model.qa, dOut, S, 2, H);
  mmTN(ws.out, dLogits, grads.qa, H, S, 2);
  for (let l = o.layers - 1; l >= 0; l--) {
    const W = model.layers[l];
    const G = grads.layers[l];
    const L = ws.layers[l];
    mmTN(L.act, dOut, G.ff2, I, S, H);
    ws.dAct.fill(0);
    mmNT(dOut, W.ff2, ws.dAct, S, H, I);
    for (let k = 0; k < ws.dPre.length; k++) ws.dPre[k] = ws.dAct[k] * geluGrad(L.pre[k]);
    mmTN(L.x1, ws.dPre, G.ff1, H, S, I);
    ws.dX1.set(dOut);
    mmNT(ws.dPre, W.ff1, ws.dX1, S, I, H);
    mmTN(L.ctx, ws.dX1, G.out, H, S, H);
    ws.dCtx.fill(0);
    mmNT(ws.dX1, W.out, ws.dCtx, S, H, H);
    attentionBackward(L, ws, o, length);
    mmTN(L.x, ws.dQkv, G.qkv, H, S, 3 * H);
    dIn.set(ws.dX1);
    mmNT(ws.dQkv, W.qkv, dIn, S, 3 * H, H);
    [dOut, dIn] = [dIn, dOut];
  }
}

// ---- Synthetic SQuAD-shaped sequences, as bertbench.synthetic_batch makes them

function syntheticSequence(random, o) {
  const S = o.seqLen;
  const length = randomInt(random, Math.floor(S / 2), S + 1);
  const ids = new Int32Array(S);
  for (let i = 0; i < S; i++) ids[i] = i < length ? randomInt(random, SEP_ID + 1, o.vocabSize) : PAD_ID;
  ids[0] = CLS_ID;
  ids[QUESTION_TOKENS + 1] = SEP_ID;
  ids[length - 1] = SEP_ID;
  const contextStart = QUESTION_TOKENS + 2;
  const start = contextStart + Math.floor(random() * (length - 1 - contextStart));
  const end = Math.min(start + randomInt(random, 0, 30), length - 2);
  return { ids, length, start, end };
}

// ---- What a run records (the keys of bertbench.device_facts and model_parameters, in their order)

function deviceFacts() {
  const visible = process.env.CUDA_VISIBLE_DEVICES ?? null;
  const mig = (visible ?? "").split(",").map((e) => e.trim()).find((e) => e.startsWith("MIG-")) ?? null;
  return {
    device_type: "cpu",
    device_name: os.cpus()[0]?.model ?? os.arch(),
    cuda_visible_devices: visible,
    mig_uuid: mig,
    sm_count: null,
    gpu_memory_mib: null,
    compute_capability: null,
    // One JavaScript thread does all the work.
    cpu_threads: 1,
    framework: `node ${process.version}`,
    torch_version: null,
    cuda_version: null,
    cudnn_version: null,
    attention: "math",
    sdpa_backends: null,
    precision: "fp32",
  };
}

const modelParameters = (o) => ({
  num_hidden_layers: o.layers,
  hidden_size: o.hidden,
  num_attention_heads: o.heads,
  intermediate_size: o.intermediate,
  vocab_size: o.vocabSize,
  max_position_embeddings: MAX_POSITIONS,
  max_seq_length: o.seqLen,
});

function describe(o) {
  const work = o.mode === "finetune" ? "float32 fine-tuning steps (forward, backward, SGD)" : "float32 inference requests, one at a time,";
  return `${work} of a scaled-down BERT encoder (${o.layers} layers, hidden ${o.hidden}, ${o.heads} heads, ` +
    `${o.batchSize} x ${o.seqLen} tokens) in Node.js on this CPU`;
}

const sinceNs = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Runs `work(i)` for i = 1.. until `count` runs or `seconds` have passed; returns runs and seconds. */
function measure(o, work) {
  const t0 = process.hrtime.bigint();
  let runs = 0;
  while (o.count === null ? runs === 0 || sinceNs(t0) < o.seconds : runs < o.count) work(++runs);
  return { runs, elapsed: sinceNs(t0) };
}

function finetune(o, model, random) {
  const ws = createWorkspace(o);
  const zeros = (w) => new Float32Array(w.length);
  const grads = { layers: model.layers.map((W) => ({ qkv: zeros(W.qkv), out: zeros(W.out), ff1: zeros(W.ff1), ff2: zeros(W.ff2) })), qa: zeros(model.qa) };
  const gradList = [...grads.layers.flatMap((g) => [g.qkv, g.out, g.ff1, g.ff2]), grads.qa];
  const pool = Array.from({ length: POOL.finetune }, () => Array.from({ length: o.batchSize }, () => syntheticSequence(random, o)));
  const dLogits = new Float32Array(o.seqLen * 2);
  let step = 0;
  /** One step: forward and backward of every sequence of a batch, then SGD; returns the batch's mean loss. */
  const trainStep = () => {
    const batch = pool[step++ % pool.length];
    let loss = 0;
    for (const seq of batch) {
      forward(model, ws, o, seq.ids, seq.length);
      // The mean of the start and end cross-entropies, averaged over the batch, as bert-finetune computes it.
      const weight = 1 / (2 * batch.length);
      loss += crossEntropy(ws.logits, 0, seq.start, o.seqLen, dLogits, weight) * weight;
      loss += crossEntropy(ws.logits, 1, seq.end, o.seqLen, dLogits, weight) * weight;
      backward(model, grads, ws, o, dLogits, seq.length);
    }
    model.trainable.forEach((w, k) => {
      const g = gradList[k];
      for (let i = 0; i < w.length; i++) w[i] -= o.learningRate * g[i];
      g.fill(0);
    });
    return loss;
  };

  for (let i = 0; i < o.warmup; i++) trainStep();
  let loss = NaN;
  const logStep = (i) => logRecord([0, i], { step_loss: loss, learning_rate: o.learningRate });
  const { runs, elapsed } = measure(o, (i) => {
    loss = trainStep();
    if (i % o.logEvery === 0) logStep(i);
  });
  // The last step is always logged, as bert-finetune does (with a duration, it is known only now).
  if (runs % o.logEvery !== 0) logStep(runs);
  logRecord([], { e2e_train_time: elapsed, training_sequences_per_second: (runs * o.batchSize) / elapsed, final_loss: loss });
}

function infer(o, model, random) {
  const ws = createWorkspace(o);
  const pool = Array.from({ length: POOL.infer }, () => Array.from({ length: o.batchSize }, () => syntheticSequence(random, o)));
  let answered = 0;
  /** One request: every sequence of it through the model, and its answer span (argmax of start and end logits). */
  const serve = () => {
    const spans = [];
    for (const seq of pool[answered++ % pool.length]) {
      forward(model, ws, o, seq.ids, seq.length);
      let start = 0;
      let end = 0;
      for (let i = 1; i < o.seqLen; i++) {
        if (ws.logits[i * 2] > ws.logits[start * 2]) start = i;
        if (ws.logits[i * 2 + 1] > ws.logits[end * 2 + 1]) end = i;
      }
      spans.push([start, end]);
    }
    return spans;
  };

  for (let i = 0; i < o.warmup; i++) serve();
  const latencies = [];
  const finishedAt = [];
  const { runs, elapsed } = measure(o, () => {
    const t0 = process.hrtime.bigint();
    serve();
    latencies.push(sinceNs(t0) * 1000);
    finishedAt.push(nowSeconds());
  });
  // Printed after the timed loop, each record with its own time, as bert-infer does.
  latencies.forEach((latency, i) => logRecord([0, i + 1], { latency }, finishedAt[i]));
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
  logRecord([], {
    e2e_inference_time: elapsed,
    inference_sequences_per_second: (runs * o.batchSize) / elapsed,
    latency_avg: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    latency_p50: percentile(50),
    latency_p90: percentile(90),
    latency_p95: percentile(95),
    latency_p99: percentile(99),
    latency_max: sorted[sorted.length - 1],
  });
}

/**
 * migbench's start barrier (workloads/README.md), when the harness asks for it: say ready, then wait until
 * every copy of the group is ready and the harness releases them all at once.
 */
function waitAtStartBarrier() {
  const readyFile = process.env.MIGBENCH_READY_FILE;
  const goFifo = process.env.MIGBENCH_GO_FIFO;
  if (!readyFile || !goFifo) return;
  // The first use of process.stdout costs milliseconds of CPU (it creates the stream): paid now, not after
  // the release, where every copy would pay it at once on contended cores. An empty write sends no byte.
  process.stdout.write("");
  writeFileSync(readyFile, "");
  // Opening the FIFO for reading blocks until the harness opens it: that is the release.
  closeSync(openSync(goFifo, "r"));
}

function main() {
  const o = readOptions(process.argv.slice(2));
  const standinFor = o.mode === "finetune" ? "bert-finetune" : "bert-infer";
  const measures = describe(o);
  process.stdout.write(`cpu-standin: a CPU stand-in for ${standinFor}, not a GPU workload: it measures ${measures}\n`);
  const random = prng(o.seed);
  const model = createModel(o, random);
  // The model is built: the records and the work (warm-up included) start together with the other copies.
  waitAtStartBarrier();
  const run = {
    workload: "cpu-standin",
    standin_for: standinFor,
    measures: `CPU stand-in: ${measures}`,
    ...deviceFacts(),
    ...modelParameters(o),
    parameters: model.parameters,
  };
  if (o.mode === "finetune") {
    metadata("e2e_train_time", "s");
    metadata("training_sequences_per_second", "sequences/s");
    logRecord("PARAMETER", { ...run, train_batch_size: o.batchSize, warmup_steps: o.warmup, max_steps: o.count, max_seconds: o.seconds, learning_rate: o.learningRate, seed: o.seed });
    finetune(o, model, random);
  } else {
    for (const [metric, unit] of [["e2e_inference_time", "s"], ["inference_sequences_per_second", "sequences/s"], ["latency", "ms"], ["latency_avg", "ms"],
      ["latency_p50", "ms"], ["latency_p90", "ms"], ["latency_p95", "ms"], ["latency_p99", "ms"], ["latency_max", "ms"]]) metadata(metric, unit);
    logRecord("PARAMETER", { ...run, predict_batch_size: o.batchSize, warmup_requests: o.warmup, max_requests: o.count, max_seconds: o.seconds, seed: o.seed });
    infer(o, model, random);
  }
}

main();
