#!/usr/bin/env bash
# Quick start: the whole test suite (installs the Debian client tools the
# tests drive and the npm workspace first when they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
bash scripts/ensure-installed.sh
npm test -- "$@"
