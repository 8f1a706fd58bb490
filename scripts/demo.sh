#!/usr/bin/env bash
# The demo: the bundled online shop (examples/shop), three questions a platform
# engineer asks first. Run with: npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."
m() { node dist/cli/main.js "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n$ meshless %s\n\n' "$1" "$2"; }

say "Who can reach the orders database on 5432?" "reach examples/shop --to orders-db --port 5432"
m reach examples/shop --to orders-db --port 5432 -q

say "Why can the reporting job in team-green reach it?" "explain team-green/deployment/reporting orders-db/statefulset/orders-db --port 5432 examples/shop"
m explain team-green/deployment/reporting orders-db/statefulset/orders-db --port 5432 examples/shop -q

say "Do we have what a mesh would give us? (every finding has a fix: drop --brief to see them)" "audit examples/shop --network-team network-team --brief"
m audit examples/shop --network-team network-team --brief --fail-on none -q
