#!/usr/bin/env bash
# GPU check (issue 19): fine-tuning images/s of ResNet-56 (CIFAR-10, 3x32x32) and of an
# InceptionV3-shaped model (3x299x299, random weights) on the CPU and on the GPU, a fixed number of
# steps each, one JSON line per measurement (./bench gpu) in $OUT/gpu.jsonl. About 5-8 minutes on
# one H200 with 16 cores. One command, run from the repository root:
#
#   scripts/gpu-check.sh            # CPU and GPU rows (needs the -Pcuda artifacts, see below)
#   scripts/gpu-check.sh --cpu-only # CPU rows only (checks the script on a machine without a GPU)
#
# Environment (all optional):
#   OUT         where gpu.jsonl, the InceptionV3 model and check.log go (default: /tmp/gpu-check)
#   MODELS      folder holding resnet56_cifar10/model.onnx (default: $LOWRANK_SHARED_DATA/models,
#               else ../shared/data/models, relative to the repository root); the ResNet-56 rows are skipped when it is absent
#   MAVEN_REPO  local Maven repository to build from offline (default: ~/.m2/repository)
#   THREADS     PyTorch CPU threads (default: all cores)
#   STEPS, WARMUP, BATCH_RESNET, BATCH_INCEPTION  timed steps (10), untimed steps (2), batch sizes
#               (128 and 32); on a small CPU-only machine use e.g. STEPS=1 WARMUP=0 BATCH_INCEPTION=2
#   SKIP_BUILD=1  use the jars already built in this tree
#
# Exit codes: 0 every row measured; 3 a prerequisite is missing (printed: what and how to get it);
# 1 a measurement failed (see $OUT/check.log).
#
# Afterwards, in a session's checkout: `cat $OUT/gpu.jsonl >> results/gpu.jsonl && ./bench render`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cpu_only=0
[ "${1:-}" = "--cpu-only" ] && cpu_only=1
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
log="$out/check.log"
: >"$log"
say() { echo "gpu-check: $*" | tee -a "$log" >&2; }
missing() { say "MISSING: $*"; exit 3; }

# 1. Tools: a JDK 17+ and Maven 3.8+ (the device image of this workplace ships neither: carry a JDK
#    and Maven unpacked in an ignored folder and put their bin/ on PATH first).
command -v java >/dev/null || missing "java (JDK 17 or newer) on PATH"
jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
[ "${jv:-0}" -ge 17 ] || missing "JDK 17 or newer (found java version ${jv:-unknown})"
command -v mvn >/dev/null || missing "mvn (Maven 3.8 or newer) on PATH"

# 2. Artifacts: the build runs offline (-o); -Pcuda needs DJL 0.33.0 with PyTorch 2.5.1 for CUDA 12.4
repo=${MAVEN_REPO:-$HOME/.m2/repository}
profile=""
if [ "$cpu_only" = 0 ]; then
  profile="-Pcuda"
  need=(
    "ai/djl/api/0.33.0/api-0.33.0.jar"
    "ai/djl/pytorch/pytorch-engine/0.33.0/pytorch-engine-0.33.0.jar"
    "ai/djl/pytorch/pytorch-jni/2.5.1-0.33.0/pytorch-jni-2.5.1-0.33.0.jar"
    "ai/djl/pytorch/pytorch-native-cu124/2.5.1/pytorch-native-cu124-2.5.1-linux-x86_64.jar"
  )
  absent=()
  for a in "${need[@]}"; do [ -f "$repo/$a" ] || absent+=("$repo/$a"); done
  if [ "${#absent[@]}" -gt 0 ]; then
    say "the offline -Pcuda build needs these artifacts (about 2 GB, the CUDA native jar most):"
    for a in "${absent[@]}"; do say "  $a"; done
    missing "CUDA artifacts; on a machine with network run: mvn -B -Pcuda -DskipTests -Dmaven.repo.local=REPO package -pl lowrank-bench -am, then make REPO available here and set MAVEN_REPO=REPO"
  fi
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu-check: GPU: /' | tee -a "$log" >&2 || true
fi

# 3. Build (offline; the launcher then finds the jars fresh and does not rebuild)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building lowrank-bench offline ${profile:-(CPU natives)}"
  mvn -B -q -ntp -o $profile -Dmaven.repo.local="$repo" -Dmaven.test.skip=true \
    -Dspotless.check.skip=true -pl lowrank-bench -am package >>"$log" 2>&1 ||
    missing "a dependency for the offline build (the Maven error is in $log)"
fi

# 4. Models
threads=${THREADS:-$(nproc)}
export LOWRANK_JAVA_OPTS="-Xmx24g -Dai.djl.pytorch.num_threads=$threads -Dai.djl.pytorch.num_interop_threads=1"
steps=${STEPS:-10} warm=${WARMUP:-2}
shared=${LOWRANK_SHARED_DATA:-../shared/data}
models=${MODELS:-$shared/models}
resnet56="$models/resnet56_cifar10/model.onnx"
inception="$out/inception_v3.onnx"
if [ ! -f "$inception" ]; then
  say "writing the InceptionV3-shaped model to $inception"
  ./bench inception-v3 --out "$inception" >>"$log" 2>&1
fi
runs=()
if [ -f "$resnet56" ]; then
  runs+=("$resnet56|resnet56|${BATCH_RESNET:-128}")
else
  say "no ResNet-56 at $resnet56 (set MODELS): its rows are skipped"
fi
runs+=("$inception|inception-v3|${BATCH_INCEPTION:-32}")
devices=(cpu)
[ "$cpu_only" = 0 ] && devices+=(cuda)

# 5. Measure: one row per model and device
failed=0
for r in "${runs[@]}"; do
  IFS='|' read -r model name batch <<<"$r"
  for d in "${devices[@]}"; do
    say "$name on $d: batch $batch, $warm + $steps steps"
    if ! ./bench gpu --model "$model" --name "$name" --device "$d" --batch "$batch" \
      --steps "$steps" --warmup "$warm" --log "$out/gpu.jsonl" >>"$log" 2>&1; then
      say "FAILED: $name on $d (see $log)"
      failed=1
    fi
  done
done
say "rows in $out/gpu.jsonl:"
cat "$out/gpu.jsonl" 2>/dev/null || true
exit $((failed))
