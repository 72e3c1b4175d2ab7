#!/usr/bin/env bash
# Start the local services the tests need when they are down (PostgreSQL on 127.0.0.1:5432).
set -euo pipefail

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }

if ! pg_ready; then
  echo "services: PostgreSQL is down, starting it" >&2
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  deadline=$((SECONDS + 60))
  until pg_ready; do
    if (( SECONDS > deadline )); then echo "services: PostgreSQL did not start" >&2; exit 1; fi
    sleep 0.5
  done
fi
echo "services: PostgreSQL is up" >&2
