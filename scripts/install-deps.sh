#!/usr/bin/env bash
# Installs every Debian 12 package Stoa needs to build, test and run. Packages already
# installed are not asked for again, so a rerun does not touch apt at all.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config g++ clang libclang-rt-14-dev clang-format
  # libraries
  libexpat1-dev libssl-dev libpqxx-dev libc-ares-dev libstrophe-dev libasio-dev
  libtomlplusplus-dev libidn-dev
  # tests
  googletest libgtest-dev libgmock-dev
  # run time: the managed database, certificates
  postgresql openssl ca-certificates
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
