#!/usr/bin/env bash
# Generate sipp injection files for the bench users (default N=1000):
#   users.csv        benchNNNN ; pw-benchNNNN ; [authentication ...correct...]
#   users-wrong.csv  first 10 users, field2 signs with a WRONG password
# field0 = username, field1 = password (what a registrar under test must be
# provisioned with), field2 = ready-made sipp auth keyword (see register.xml:
# sipp 3.6 cannot nest [field0] inside [authentication ...]).
# Usage: gen-users.sh [N] [OUTDIR]
set -euo pipefail
n=${1:-1000}
out=${2:-"$(cd "$(dirname "$0")" && pwd)"}

gen() { # gen COUNT PASSWORD_PREFIX_FOR_DIGEST
  echo "SEQUENTIAL"                       # line i -> call i, wrapping around
  for ((i = 0; i < $1; i++)); do
    local u pw
    u=$(printf 'bench%04d' "$i")
    pw="pw-${u}"
    echo "${u};${pw};[authentication username=${u} password=${2}${pw}]"
  done
}
gen "$n" ""        >"$out/users.csv"
gen 10   "wrong-"  >"$out/users-wrong.csv"
echo "wrote $n users to $out/users.csv (+ $out/users-wrong.csv)" >&2
