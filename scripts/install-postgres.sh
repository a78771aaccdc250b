#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the database tests (tests/pg.py starts a
# throwaway cluster per test session in a temp dir; no system cluster or service is used).
# Idempotent; needs root or sudo for apt. Debian keeps the binaries in
# /usr/lib/postgresql/<version>/bin, off PATH: tests/pg.py finds them there.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# postgresql-common first, so that the server package does not create (and try to start)
# the default "main" cluster: the tests make their own.
$SUDO apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/framing-tests.conf >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/pg_ctl
