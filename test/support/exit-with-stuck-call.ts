// A process that exits while an engine call never returns (test/exit-guard.test.ts): a worker
// thread's call that sleeps `argv[2]` seconds, left behind as a stuck engine stop is, then an exit
// as `argv[3]` says: `exit` calls `process.exit(7)`, with an exit listener registered after the
// guard's that exits again (as jest's does); `exit-string` calls `process.exit('7')`; `throw`
// throws, with the service's fatal-error handler (exitOnFatalError) installed.
import koffi from 'koffi';
import { writeSync } from 'node:fs';
import { stopOnWorkerThread } from '../../src/spicedb/embedded-ffi.js';
import { exitOnFatalError } from '../../src/spicedb/exit-guard.js';

const seconds = Number(process.argv[2] ?? '60');
const how = process.argv[3] ?? 'exit';
const sleep = koffi.load('libc.so.6').func('unsigned int sleep(unsigned int)');
await stopOnWorkerThread(sleep, [seconds], 100);
if (how === 'throw') {
  exitOnFatalError((err) => writeSync(2, `fatal: ${(err as Error).message}\n`));
  setTimeout(() => {
    throw new Error('nobody caught this');
  }, 10);
} else {
  process.on('exit', (code) => {
    writeSync(1, `later exit listener ran with ${code}\n`);
    process.exit(code);
  });
  process.exit(how === 'exit-string' ? '7' : 7);
}
