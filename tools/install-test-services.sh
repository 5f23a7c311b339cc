#!/usr/bin/env bash
# System packages the test suite needs besides Python's: PostgreSQL's server,
# which the PostgreSQL tests start themselves on a private port (initdb in a
# temporary folder). Installed from Debian's packages when missing; elsewhere
# those tests say what to install and skip.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if ! have_postgres; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing PostgreSQL for the tests (Debian package postgresql)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "note: no PostgreSQL server here and no apt-get as root: the PostgreSQL tests will skip" >&2
  fi
fi
