#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for the given number of
# seconds (default 60), or with `--runs N` for N inputs from a fixed seed: the same inputs on
# every machine, so that the test suite's verdict does not depend on luck. New inputs go to build-fuzz/corpus/<target>/ (the seeds in
# tests/fuzz/corpus/ stay as they are); crashing inputs go to build-fuzz/artifacts/<target>/.
# Exits non-zero when a target found a crash.
set -euo pipefail

budget=(-max_total_time="${1:-60}")
label="${1:-60}s"
if [[ "${1:-}" == "--runs" ]]; then
  budget=(-runs="$2" -seed=1)
  label="$2 runs, seed 1"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STOA_FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets=(fuzz_stream_parser fuzz_jid_sasl)

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTOA_FUZZ=ON >/dev/null
cmake --build "$build" --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  echo "== $target: $label"
  if ! "$build/tests/$target" "${budget[@]}" -print_final_stats=1 \
    -dict="$root/tests/fuzz/$target.dict" -artifact_prefix="$artifacts" \
    "$corpus" "$root/tests/fuzz/corpus/$target"; then
    echo "== $target FAILED: see $artifacts" >&2
    status=1
  fi
done
exit "$status"
