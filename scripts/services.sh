#!/usr/bin/env bash
# Test services: Debian's chromium (browser tests) and a PostgreSQL server on loopback
# (the PostgreSQL results store). Idempotent; run by `make test` and `.ci/run`.
# Needs root (or passwordless sudo) for apt-get on a fresh machine.
set -euo pipefail

PG_URL_DEFAULT="postgresql://tradewar:tradewar@127.0.0.1:5432/tradewar_test"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]} (Debian packages)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL: the Debian cluster, listening on loopback only.
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
    $SUDO pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    $SUDO pg_ctlcluster "$version" main start -o "-c listen_addresses=127.0.0.1"
fi
$SUDO runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewar') THEN
    CREATE ROLE tradewar LOGIN PASSWORD 'tradewar' CREATEDB;
  END IF;
END $$;
SQL
if ! $SUDO runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='tradewar_test'" | grep -q 1; then
    $SUDO runuser -u postgres -- createdb -O tradewar tradewar_test
fi
echo "services: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), PostgreSQL $version at ${TRADEWAR_TEST_POSTGRES:-$PG_URL_DEFAULT}"
