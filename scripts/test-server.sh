#!/usr/bin/env bash
# npm run test:server: the same suites as `npm test`, against a real SpiceDB server on Postgres
# (started here by scripts/spicedb-server.sh, on a fresh database), plus the server-only tests.
set -euo pipefail
cd "$(dirname "$0")/.."
FRESH=1 bash scripts/spicedb-server.sh start
trap 'bash scripts/spicedb-server.sh stop' EXIT
set -a
# shellcheck disable=SC1091
. .data/spicedb.env
set +a
npm run build >/dev/null
# one file at a time: they share the one SpiceDB, and each wipes it first
RAC_TEST_BACKEND=server NODE_OPTIONS=--experimental-vm-modules npx jest --runInBand "$@"
