// jest's global setup, run once in jest's own process: that process ends at once when it exits
// (src/spicedb/exit-guard.ts). An engine left behind by a test file (a stalled lookup that kept its
// engine from stopping) keeps a worker thread busy for good, and jest's forced exit then waited
// for it until CI's time ran out: each test file's own guard sees only its sandbox's `process`.
// Plain JavaScript, loading the TypeScript module through tsx: jest loads a global setup outside
// its own module system.
import { tsImport } from 'tsx/esm/api';

export default async function setup() {
  const { alwaysExitAtOnce } = await tsImport('../../src/spicedb/exit-guard.ts', import.meta.url);
  alwaysExitAtOnce();
}
