#!/usr/bin/env bash
# The checks of docs/real-gpu-check.md in one go, on a machine with an NVIDIA GPU, from a built checkout
# (`npm ci` done; `node` and a `python3` with PyTorch on PATH):
#
#   scripts/real-gpu-check.sh OUT [--quick]
#
# Every nvidia-smi call, migbench's own included, goes through scripts/nvidia-smi-guard: it refuses any
# option that would change the GPU (the GPU may be shared) and records the tool's exact answers under
# OUT/smi-calls. The `bench run` steps run only when GPU 0's MIG mode is off and no change is pending:
# there they change nothing. --quick shortens the workloads (fewer steps and requests, one repetition);
# the scenarios are copied with those lengths into scenarios/workloads/.check-*.yaml, removed afterwards.
#
# OUT receives: check.log (everything printed), smi/ (read-only queries), smi-calls/ (the guard's records),
# direct/ (the workloads run directly), results/ (run directories), results-telemetry-off/ (the serial
# fine-tunes again without telemetry), report.html, report.md, bench-*.json (`npm run bench`'s process,
# serial and telemetry rows on this GPU). Exit 0 when every step passed, else 1.
set -u
if [[ $# -lt 1 ]]; then
  echo "usage: scripts/real-gpu-check.sh OUT [--quick]" >&2
  exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
quick=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
exec > >(tee -a "$out/check.log") 2>&1

failed=()
step() { printf '\n=== %s (at %d s)\n' "$1" "$SECONDS"; }
check() {
  local name=$1
  shift
  if "$@"; then echo "--- ok: $name"; else
    echo "--- FAILED ($?): $name"
    failed+=("$name")
  fi
}

real_smi=$(command -v nvidia-smi) || {
  echo "no nvidia-smi on PATH"
  exit 2
}
mkdir -p "$out/guard-bin" "$out/smi-calls" "$out/smi" "$out/direct"
ln -sf "$root/scripts/nvidia-smi-guard" "$out/guard-bin/nvidia-smi"
export MIGBENCH_GUARD_REAL_SMI=$real_smi MIGBENCH_GUARD_LOG=$out/smi-calls PATH=$out/guard-bin:$PATH
bench() { node "$root/bin/bench.js" "$@"; }

step "0. read-only checks (nvidia-smi: $real_smi)"
query=index,name,uuid,pci.bus_id,driver_version,mig.mode.current,mig.mode.pending,memory.total,memory.used,utilization.gpu,compute_mode
nvidia-smi | tee "$out/smi/plain.txt"
nvidia-smi -L | tee "$out/smi/L.txt"
nvidia-smi --query-gpu=$query --format=csv | tee "$out/smi/query-gpu.csv"
nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv | tee "$out/smi/compute-apps.csv"
nvidia-smi -q -x >"$out/smi/q.xml"
nvidia-smi -q >"$out/smi/q.txt"
nvidia-smi --help-query-gpu >"$out/smi/help-query-gpu.txt"
nvidia-smi mig -lgip | tee "$out/smi/mig-lgip.txt"
nvidia-smi mig -lgipp | tee "$out/smi/mig-lgipp.txt"
nvidia-smi mig -lcip | tee "$out/smi/mig-lcip.txt"
# The telemetry loop as the harness starts it, the same with a field the driver does not know (the sampler
# drops a refused field and starts again), and the MIG memory poller's XML loop: each for a moment.
fields=timestamp,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,clocks.sm,clocks.mem,temperature.gpu,clocks_event_reasons.active
timeout -s INT 1.5 nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits -lms 200 >"$out/smi/loop.csv" 2>"$out/smi/loop.stderr"
echo "telemetry loop: exit $?, $(wc -l <"$out/smi/loop.csv") rows"
timeout -s INT 1.5 nvidia-smi --query-gpu=timestamp,no.such.field --format=csv,noheader,nounits -lms 200 >"$out/smi/loop-refused.stdout" 2>"$out/smi/loop-refused.stderr"
echo "loop with an unknown field: exit $?: $(head -c 300 "$out/smi/loop-refused.stdout" "$out/smi/loop-refused.stderr")"
timeout -s INT 1.5 nvidia-smi -q -x -i 0 -lms 500 >"$out/smi/q-x-loop.xml" 2>&1
echo "-q -x loop: exit $?, $(grep -c '<nvidia_smi_log>' "$out/smi/q-x-loop.xml") documents"
python3 -c "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available(), torch.cuda.get_device_name(0))"
check "bench gpus" bench gpus
check "bench partition show" bench partition show
mig=$(nvidia-smi -i 0 --query-gpu=mig.mode.current,mig.mode.pending --format=csv,noheader)
echo "GPU 0 MIG mode (current, pending): $mig"
mig_off=false
[[ $mig =~ ^(Disabled|\[N/A\]),\ (Disabled|\[N/A\])$ ]] && mig_off=true

step "1. migbench's own overhead on this GPU (npm run bench: process, serial, telemetry)"
if [[ $mig_off == true ]]; then
  check "bench process" node bench/run.js --gpu real --only process --json "$out/bench-process.json"
  check "bench serial" node bench/run.js --gpu real --only serial --quick --json "$out/bench-serial.json"
  check "bench telemetry" node bench/run.js --gpu real --only telemetry --quick --json "$out/bench-telemetry.json"
else
  echo "skipped: GPU 0's MIG mode is not off ($mig); the benchmark's runs use the whole GPU"
fi

step "2. the workloads directly"
steps=200 requests=1000
[[ $quick == --quick ]] && steps=50 requests=300
gpu0=$(nvidia-smi -i 0 --query-gpu=uuid --format=csv,noheader)
check "bert-finetune" env CUDA_VISIBLE_DEVICES="$gpu0" python3 workloads/bert-finetune/main.py --steps $steps --log-every 10 >"$out/direct/finetune.log"
tail -n 4 "$out/direct/finetune.log"
check "parse bert-finetune" bench parse --format dllogger "$out/direct/finetune.log"
check "bert-infer" env CUDA_VISIBLE_DEVICES="$gpu0" python3 workloads/bert-infer/main.py --requests $requests >"$out/direct/infer.log"
tail -n 2 "$out/direct/infer.log" | cut -c1-400
bench parse --format dllogger "$out/direct/infer.log" >"$out/direct/infer.parsed.json"
check "parse bert-infer" node -e '
  const parsed = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const latencies = parsed.samples.filter((s) => s.name === "latency").length;
  console.log(`complete ${parsed.complete}, problems ${parsed.problems.length}, latency samples ${latencies}, final`, Object.keys(parsed.final).join(" "));
  process.exit(parsed.complete && parsed.problems.length === 0 ? 0 : 1);' "$out/direct/infer.parsed.json"
CUDA_VISIBLE_DEVICES= python3 workloads/bert-finetune/main.py --steps 1 >/dev/null
no_gpu=$?
echo "with no GPU visible: exit $no_gpu (expected 3)"
check "no GPU visible exits 3" test "$no_gpu" -eq 3

step "3. the study's no-MIG cases through bench run (process runtime, real nvidia-smi)"
if [[ $mig_off != true ]]; then
  echo "skipped: GPU 0's MIG mode is not off ($mig); bench run would change it"
  failed+=("bench run: MIG mode not off")
else
  finetune_steps=400 infer_requests=2000 repetitions=2
  [[ $quick == --quick ]] && finetune_steps=100 infer_requests=300 repetitions=1
  scenarios=()
  for name in bert-finetune-nomig-7-parallel bert-finetune-nomig-7-serial bert-infer-nomig-7-serial; do
    copy=scenarios/workloads/.check-$name.yaml
    sed -e "s/--steps, \"400\"/--steps, \"$finetune_steps\"/" -e "s/--requests, \"2000\"/--requests, \"$infer_requests\"/" \
      -e "s/^repetitions: 2/repetitions: $repetitions/" "scenarios/workloads/$name.yaml" >"$copy"
    scenarios+=("$copy")
  done
  for scenario in "${scenarios[@]}"; do
    # A workload that failed when run directly would fail seven times over here.
    workload=$(basename "$scenario" | sed -E 's/^\.check-(bert-[a-z]+)-.*/\1/')
    if [[ " ${failed[*]} " == *" $workload "* ]]; then
      echo "skipped $(basename "$scenario"): $workload failed when run directly"
      failed+=("bench run $(basename "$scenario"): skipped")
      continue
    fi
    check "bench run $(basename "$scenario")" bench run "$scenario" --gpu real --any-gpu --runtime process --out "$out/results"
    # The serial fine-tunes once more without telemetry: a sampler that slowed single copies shows here.
    if [[ $scenario == *finetune*serial* ]]; then
      check "bench run $(basename "$scenario"), telemetry off" env MIGBENCH_TELEMETRY_MS=0 \
        node "$root/bin/bench.js" run "$scenario" --gpu real --any-gpu --runtime process --out "$out/results-telemetry-off"
    fi
  done
  rm -f "${scenarios[@]}"
  after=$(nvidia-smi -i 0 --query-gpu=mig.mode.current,mig.mode.pending --format=csv,noheader)
  echo "GPU 0 MIG mode after: $after"
  check "MIG mode as found" test "$after" = "$mig"
  step "4. the report"
  check "bench report html" bench report "$out"/results/* --format html --out "$out/report.html"
  check "bench report md" bench report "$out"/results/* --format md --out "$out/report.md"
  head -n 40 "$out/report.md"
fi

step "done"
refusals=$(find "$out/smi-calls" -name refused | wc -l)
echo "nvidia-smi calls: $(find "$out/smi-calls" -mindepth 1 -maxdepth 1 | wc -l), refused by the guard: $refusals"
[[ $refusals -eq 0 ]] || failed+=("the guard refused $refusals call(s)")
if [[ ${#failed[@]} -gt 0 ]]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all checks passed"
