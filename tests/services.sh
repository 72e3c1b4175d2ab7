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

# Prometheus tooling for the observability tests (promtool, prometheus, amtool). Installed only
# when missing. policy-rc.d keeps the packages' own services from starting: the tests run their
# own Prometheus on a free port with a temporary config and storage directory.
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null \
  || ! command -v prometheus-pushgateway >/dev/null; then
  echo "services: installing prometheus, prometheus-alertmanager and prometheus-pushgateway" >&2
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager \
    prometheus-pushgateway >&2 \
    || echo "services: could not install the Prometheus tools (their tests skip, or fail under CI)" >&2
  if (( created_policy )); then rm -f "$policy"; fi
  # Nor at the next boot (the packages enable their units): port 9090 stays free.
  if command -v systemctl >/dev/null; then
    systemctl disable prometheus.service prometheus-alertmanager.service \
      prometheus-pushgateway.service >/dev/null 2>&1 || true
  fi
fi
