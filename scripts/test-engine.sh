#!/usr/bin/env bash
# The embedded suite (everything `npm test` runs) on rac-authz's own engine build instead of the
# npm package's: builds it first when needed (scripts/build-engine.sh). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
library=$(bash scripts/build-engine.sh)
SPICEDB_EMBEDDED_LIBRARY=$library NODE_OPTIONS=--experimental-vm-modules npx jest "$@"
