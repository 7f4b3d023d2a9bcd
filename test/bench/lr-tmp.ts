import { readFileSync } from 'node:fs';
import { openStore } from '../../src/spicedb/index.js';
import { LookupService } from '../../src/domain/lookups.js';
const env = Object.fromEntries(readFileSync('.data/spicedb.env', 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const s = await openStore({ backend: 'server', endpoint: env.SPICEDB_ENDPOINT!, token: env.SPICEDB_TOKEN!, insecure: true, deadlineMs: 30000 }, readFileSync('schema.zed', 'utf8'));
const l = new LookupService(s);
let cursor: string | undefined; let total = 0;
for (let p = 0; p < 15; p++) {
  let n = 0;
  try {
    const next = await l.clientsOfRep({ repId: 'E789000', permission: 'view', limit: 1000, ...(cursor ? { cursor } : {}) }, { kind: 'minimizeLatency' }, async () => { n++; });
    total += n; console.log('page', p, n, next ? 'more' : 'end');
    if (!next) break; cursor = next;
  } catch (e) { console.log('ERR', (e as Error).message, String((e as Error).cause)); break; }
}
console.log('total', total);
await s.close();
