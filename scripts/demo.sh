#!/usr/bin/env bash
# Quick start: the whole job end to end on a generated sample tree, on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh svnadmin:subversion
bash scripts/ensure-installed.sh
npm run --silent demo -- "$@"
