// A process that exits while an engine call never returns (test/exit-guard.test.ts): a worker
// thread's call that sleeps `argv[2]` seconds, left behind as a stuck engine stop is, then
// `process.exit(7)` with an exit listener registered after the guard's, which exits again (as
// jest's does).
import koffi from 'koffi';
import { writeSync } from 'node:fs';
import { stopOnWorkerThread } from '../../src/spicedb/embedded-ffi.js';

const seconds = Number(process.argv[2] ?? '60');
const sleep = koffi.load('libc.so.6').func('unsigned int sleep(unsigned int)');
await stopOnWorkerThread(sleep, [seconds], 100);
process.on('exit', (code) => {
  writeSync(1, `later exit listener ran with ${code}\n`);
  process.exit(code);
});
process.exit(7);
