#!/usr/bin/env bash
# The GPU check, on a machine with an NVIDIA GPU, CUDA and PyTorch but no .NET (the kit carries its runtime):
#   run.sh [RESULTS_FOLDER]
# runs PyTorch's peer timings (peer.py), then recur-gpu-check on CUDA, which prints the checks and the ratio table and writes
# gpu-check.json, gpu-check.md and peer.json into the folder. Exits with recur-gpu-check's code (0: every check passed).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/results}
mkdir -p "$out"
python=${PYTHON:-python3}
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  "$python" "$here/peer.py" --out "$out/peer.json" || echo "run.sh: peer.py failed; the timings are reported without ratios" >&2
else
  echo "run.sh: PyTorch with CUDA is not available to $python; the timings are reported without ratios" >&2
fi
"$here/recur-gpu-check" --device "${RECUR_DEVICE:-cuda}" --out "$out" --peer "$out/peer.json"
