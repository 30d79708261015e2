#!/usr/bin/env bash
# THE test command. In order: install dependencies; build with warnings as errors and run every
# test; build with AddressSanitizer and UndefinedBehaviorSanitizer and run every test again;
# run the fuzz targets briefly (scripts/fuzz.sh) when that script exists. Every stage runs even
# after a failure, and the last line sums up. Exit status 0 only when every stage passed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS
passed=()
failed=()

# Runs one stage: stage NAME COMMAND...
stage() {
  local name="$1"
  shift
  echo
  echo "==== test.sh: $name ===="
  if "$@"; then
    passed+=("$name")
    return 0
  fi
  failed+=("$name")
  echo "==== test.sh: $name FAILED ===="
  return 1
}

summary() {
  local elapsed=$((SECONDS - started))
  local took
  took="$((elapsed / 60))m$((elapsed % 60))s"
  echo
  if ((${#failed[@]} == 0)); then
    echo "test.sh: PASS (${passed[*]}) in $took"
  else
    echo "test.sh: FAIL (${failed[*]}); passed: ${passed[*]:-none}; in $took"
  fi
}

# A test that hangs is cut off rather than holding CI until its global timeout.
ctest_args=(--output-on-failure --timeout 1800)

if ! stage "dependencies" bash scripts/install-deps.sh; then
  summary
  exit 1
fi

if stage "build" bash scripts/build.sh "$root/build" -DSTOA_WERROR=ON; then
  stage "tests" ctest --test-dir "$root/build" "${ctest_args[@]}" || true
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if stage "sanitizer build" bash scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug \
  -DSTOA_SANITIZE=ON -DSTOA_WERROR=ON; then
  stage "sanitizer tests" ctest --test-dir "$root/build-asan" "${ctest_args[@]}" || true
fi

if [[ -f scripts/fuzz.sh ]]; then
  stage "fuzz" bash scripts/fuzz.sh --runs 200000 || true
fi

summary
((${#failed[@]} == 0))
