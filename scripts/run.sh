#!/usr/bin/env bash
# THE run command: installs dependencies, builds, then runs stoad in the foreground with
# conf/stoa.toml (logs on stderr; Ctrl-C stops it). Extra arguments go to stoad. With the example
# configuration stoad keeps its state, the managed PostgreSQL cluster included, in /var/lib/stoa.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" "$root/build"

data_dir=/var/lib/stoa
if [[ ! -d "$data_dir" && $EUID -ne 0 ]]; then
  # Not root: make the data directory ours once, so stoad can create what it needs in it.
  sudo install -d -o "$(id -u)" -g "$(id -g)" -m 0750 "$data_dir"
fi

exec "$root/build/xmpp/server/stoad" --config "$root/conf/stoa.toml" "$@"
