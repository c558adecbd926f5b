#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: run `aifinops sample` for 60 s at a 1 s interval (with
# nvidia-smi logging beside it), ingest both into fresh databases, and print what they saw and
# the sampler's CPU overhead (target: < 1% of one core at 1 s for 8 GPUs).
#
#   benchmarks/gpu_live.sh            DURATION=60 INTERVAL=1 PYTHON=.venv/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DURATION=${DURATION:-60}
INTERVAL=${INTERVAL:-1}
WORK=${WORK:-$(mktemp -d /tmp/gpu-live.XXXXXX)}
mkdir -p "$WORK"
export AIFINOPS_METADATA_URL=${AIFINOPS_METADATA_URL:-off}  # set it to probe EC2 metadata
aifinops() { "$PY" -m aifinops "$@"; }

echo "== machine"
nvidia-smi -L || echo "nvidia-smi is not here: the sampler will say why it cannot start"
nvproc=$(nproc); echo "cpus: $nvproc  work: $WORK"
nvidia-smi --query-gpu=timestamp,index,uuid,name --format=csv,nounits 2>/dev/null | head -2 \
  > "$WORK/nounits-header.csv" || true
echo "header with nounits (FORMATS.md asks to verify): $(head -1 "$WORK/nounits-header.csv")"

load_pid=""
if "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "== GPU load: torch matmuls on every GPU for the middle third of the run"
  "$PY" - "$DURATION" <<'PYLOAD' &
import sys, time, torch
time.sleep(float(sys.argv[1]) / 3)
end = time.time() + float(sys.argv[1]) / 3
xs = [torch.randn(8192, 8192, device=f"cuda:{i}") for i in range(torch.cuda.device_count())]
while time.time() < end:
    for x in xs:
        x @ x
PYLOAD
  load_pid=$!
else
  echo "== no torch: the GPUs stay idle (utilisation near 0)"
fi

echo "== sampling for ${DURATION}s every ${INTERVAL}s (nvidia-smi -l ${INTERVAL} beside it)"
nvidia-smi --query-gpu=timestamp,index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,power.limit,temperature.gpu,clocks.sm \
  --format=csv -l "$INTERVAL" -f "$WORK/nvidia-smi.csv" 2>/dev/null &
nvsmi_pid=$!
start=$(date +%s.%N)
/usr/bin/env time -f "sampler process: user %U s, system %S s, wall %e s, max RSS %M KiB" \
  "$PY" -m aifinops --db "$WORK/sampler.duckdb" sample --interval "$INTERVAL" --duration "$DURATION" --rotate 15 \
  --spool "$WORK/spool" > "$WORK/sampler.log" 2>&1 && sampled=0 || sampled=$?
sed 's/^/  /' "$WORK/sampler.log"
kill "$nvsmi_pid" 2>/dev/null || true
if [ "$sampled" != 0 ]; then echo "sampler failed (exit $sampled); nothing to ingest"; exit 1; fi
[ -n "$load_pid" ] && wait "$load_pid" 2>/dev/null || true
nvidia-smi --query-compute-apps=timestamp,gpu_name,gpu_bus_id,gpu_serial,gpu_uuid,pid,process_name,used_gpu_memory \
  --format=csv > "$WORK/apps.csv" || true
ls -la "$WORK/spool" | sed 's/^/  /'

echo "== ingest the spool"
aifinops --db "$WORK/sampler.duckdb" ingest spool --keep "$WORK/spool"
aifinops --db "$WORK/sampler.duckdb" query --format csv \
  "select host, gpu_index, gpu_name, samples, round(observed_seconds) as observed_s, round(util_mean_pct, 1) as util_mean, util_max_pct as util_max, round(mem_used_max_mib) as mem_max_mib, round(power_mean_w, 1) as power_w, round(idle_seconds) as idle_s from gpu_hourly order by gpu_index, hour"
aifinops --db "$WORK/sampler.duckdb" query --format csv \
  "select event, detail from gpu_events order by ts"

echo "== ingest the nvidia-smi log of the same minute (real nvidia-smi output)"
head -2 "$WORK/nvidia-smi.csv" | sed 's/^/  /'
aifinops --db "$WORK/nvidia-smi.duckdb" ingest nvidia-smi --host live "$WORK/nvidia-smi.csv"
aifinops --db "$WORK/nvidia-smi.duckdb" ingest nvidia-smi --host live "$WORK/apps.csv" || true
aifinops --db "$WORK/nvidia-smi.duckdb" query --format csv \
  "select gpu_index, samples, round(util_mean_pct, 1) as util_mean, util_max_pct as util_max, round(power_mean_w, 1) as power_w from gpu_hourly order by gpu_index, hour"
echo "files kept in $WORK"
