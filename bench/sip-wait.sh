#!/usr/bin/env bash
# Wait until a registrar completes one digest-authenticated REGISTER.
# Usage: sip-wait.sh HOST PORT DOMAIN [TIMEOUT_S=15]
# Uses the first user of users.csv (USERS env overrides), so that user must
# exist on the registrar. Exit 0 when ready, 1 on timeout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

host=$1 port=$2 domain=$3 timeout_s=${4:-15}
users=${USERS:-$BENCH_DIR/users.csv}
work=$(mktemp -d /tmp/sip-wait.XXXXXX)
trap 'rm -rf "$work"' EXIT

deadline=$((SECONDS + timeout_s))
while ((SECONDS < deadline)); do
  # one registration, give up after 1 s without answer (no retrans wait)
  if (cd "$work" && sipp "$host:$port" -sf "$BENCH_DIR/register.xml" -inf "$users" \
        -key domain "$domain" -auth_uri "$domain" -i 127.0.0.1 -p "$(free_udp_port)" \
        -m 1 -recv_timeout 1000 -timeout 3s -timeout_error -nostdin \
        >/dev/null 2>&1); then
    exit 0
  fi
  sleep 0.2
done
echo "sip-wait: $host:$port did not complete a REGISTER within ${timeout_s}s" >&2
exit 1
