#!/usr/bin/env bash
# Publishes samples/GoodsShow self-contained with PublishTrimmed=true, fails on any trim (IL2xxx) or AOT
# (IL3xxx) warning, and runs the trimmed program. Native AOT cannot run on this machine (the registry does
# not serve the NativeAOT runtime pack); see docs/packaging.md for how to enable it.
# Usage: eng/publish-trimmed.sh [sample]   (default GoodsShow)
set -euo pipefail
cd "$(dirname "$0")/.."
sample=${1:-GoodsShow}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

log="$out/publish.log"
if ! dotnet publish "samples/$sample" -c Release -r linux-x64 --self-contained true -p:FlowGenPublishTrimmed=true \
    -p:TrimmerSingleWarn=false -o "$out/app" -nologo > "$log" 2>&1; then
  cat "$log"; exit 1
fi
if grep -E "warning IL[23][0-9]{3}" "$log"; then
  echo "trimmed publish of $sample has trim/AOT warnings (above)" >&2; exit 1
fi
"$out/app/$sample" > "$out/run.log" 2>&1 || { cat "$out/run.log"; echo "the trimmed $sample failed" >&2; exit 1; }
tail -3 "$out/run.log"
echo "trimmed publish: $sample published self-contained with PublishTrimmed=true, no trim warnings, and ran ($(du -sh "$out/app" | cut -f1))"
