#!/usr/bin/env bash
# Builds the GPU check kit: recur-gpu-check published self-contained for linux-x64 (no .NET needed where it runs) with the PyTorch
# peer and run.sh, packed as Tests/GpuCheck/kit/recur-gpu-check.tar.xz (git ignores kit/), and prints the command that runs it.
#   Tests/GpuCheck/pack.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kit=$here/kit
stage=$kit/stage/recur-gpu-check
rm -rf "$kit"
mkdir -p "$stage"
dotnet publish "$here/GpuCheck.csproj" -c Release -r linux-x64 --self-contained -o "$stage" -p:DebugType=none -p:GenerateDocumentationFile=false --nologo -v quiet
cp "$here/run.sh" "$stage/"
chmod +x "$stage/run.sh" "$stage/recur-gpu-check"
tar -C "$kit/stage" -cf - recur-gpu-check | xz -T0 -6 > "$kit/recur-gpu-check.tar.xz"
rm -rf "$kit/stage"
bytes=$(stat -c %s "$kit/recur-gpu-check.tar.xz")
limit=$((64 * 1024 * 1024))
echo "Packed $kit/recur-gpu-check.tar.xz: $((bytes / 1024 / 1024)) MiB."
if [ "$bytes" -ge "$limit" ]; then
  echo "pack.sh: the kit is over 64 MiB; it cannot be carried to the GPU machine." >&2
  exit 1
fi
cat <<EOT
On the GPU machine, from the repository root (Tests/GpuCheck/kit carried there), with results written to \$OUT:
  mkdir -p /tmp/recur-gpu && tar -xJf Tests/GpuCheck/kit/recur-gpu-check.tar.xz -C /tmp/recur-gpu && /tmp/recur-gpu/recur-gpu-check/run.sh "\${OUT:-results}"
EOT
