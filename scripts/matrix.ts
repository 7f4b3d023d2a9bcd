// npm run matrix: (re)generates src/review/access-matrix.md by asking the live schema (see
// src/review/access-matrix.ts). `npm run matrix -- --check` fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { computeMatrix, renderMarkdown } from '../src/review/access-matrix.js';
import { openStore } from '../src/spicedb/index.js';

const root = new URL('../', import.meta.url);
const target = new URL('src/review/access-matrix.md', root);
const scratch = await openStore({ backend: 'embedded' }, readFileSync(new URL('schema.zed', root), 'utf8'));
const markdown = renderMarkdown(await computeMatrix(scratch));
await scratch.close();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== markdown) {
    process.stderr.write('src/review/access-matrix.md differs from what schema.zed says: run npm run matrix\n');
    process.exit(1);
  }
  process.stdout.write('src/review/access-matrix.md matches schema.zed\n');
} else {
  writeFileSync(target, markdown);
  process.stdout.write('wrote src/review/access-matrix.md\n');
}
process.exit(0);
