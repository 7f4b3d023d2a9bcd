# schemathesis hooks for scripts/fuzz-openapi.sh: POST /v1/import reads NDJSON
# (application/x-ndjson), a media type schemathesis has no serializer for. Its body is text, sent
# as it is generated, so the import is fuzzed like every other operation.
import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
