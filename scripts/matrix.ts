// npm run matrix: (re)generates docs/access-matrix.md by asking the live schema (see
// src/review/access-matrix.ts). `npm run matrix -- --check` fails when the file is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { computeMatrix, renderMarkdown } from '../src/review/access-matrix.js';

const root = new URL('../', import.meta.url);
const target = new URL('docs/access-matrix.md', root);
const markdown = renderMarkdown(await computeMatrix(readFileSync(new URL('schema.zed', root), 'utf8')));
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== markdown) {
    process.stderr.write('docs/access-matrix.md differs from what schema.zed says: run npm run matrix\n');
    process.exit(1);
  }
  process.stdout.write('docs/access-matrix.md matches schema.zed\n');
} else {
  mkdirSync(new URL('docs/', root), { recursive: true });
  writeFileSync(target, markdown);
  process.stdout.write('wrote docs/access-matrix.md\n');
}
process.exit(0);
