#!/usr/bin/env bash
# Installs the workspace from the lockfile when it is missing or stale, so a
# fresh clone needs no separate install step.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing dependencies (npm ci; better-sqlite3 compiles from source, about 2 minutes)..."
  npm ci --no-audit --no-fund
fi
