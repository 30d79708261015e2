#!/usr/bin/env bash
# Runs one stoa-bench scenario against stoad, Prosody and ejabberd and prints one table.
#   bench/compare/run.sh --scenario bench/scenarios/small.toml [--servers stoad,prosody,ejabberd]
#                        [--tls none,starttls] [--workers 1,2] [--build-dir DIR] [--check] ...
# Installs the Debian packages it needs when missing; everything else is in compare.py
# (--help lists every option). See bench/compare/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(prosody ejabberd erlang-p1-pgsql lua-dbi-postgresql postgresql openssl python3-slixmpp)
# Services these packages may start on install: the comparison runs private instances instead.
services=(prosody ejabberd postgresql)

if ((EUID != 0)); then
  echo "run.sh: run as root (it installs packages; the servers run as their own users)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

stop_package_service() {
  local name="$1"
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now "$name" >/dev/null 2>&1 || true
  else
    if service "$name" status >/dev/null 2>&1; then
      service "$name" stop >/dev/null 2>&1 || true
    fi
    update-rc.d "$name" disable >/dev/null 2>&1 || true
  fi
}

if ((${#missing[@]} > 0)); then
  echo "run.sh: installing ${missing[*]}" >&2
  timeout 900 apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { timeout 300 apt-get update >&2 && timeout 900 apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  for service in "${services[@]}"; do
    for package in "${missing[@]}"; do
      if [[ "$package" == "$service" ]]; then
        stop_package_service "$service"
      fi
    done
  done
fi

exec /usr/bin/python3 "$here/compare.py" "$@"
