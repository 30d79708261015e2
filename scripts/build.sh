#!/usr/bin/env bash
# Configures and builds Stoa with Ninja.
#   scripts/build.sh [BUILD_DIR] [EXTRA CMAKE ARGUMENTS...]
# BUILD_DIR defaults to build/ in the repository; the build type to RelWithDebInfo (a later
# -DCMAKE_BUILD_TYPE=... among the extra arguments wins). STOA_JOBS overrides the job count.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$root/build}"
if (($# > 0)); then
  shift
fi

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build_dir" --parallel "${STOA_JOBS:-$(nproc)}"
