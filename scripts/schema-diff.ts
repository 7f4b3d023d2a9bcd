// npm run schema:diff -- <old.zed> [new.zed]: every permission whose set of granting paths differs
// between an old schema and a proposed one (default: the working tree's schema.zed), so a
// reviewer sees what a change opens (+) or closes (-).
import { readFileSync } from 'node:fs';
import { diffSchemas } from '../src/review/schema-paths.js';

const [oldFile, newFile = new URL('../schema.zed', import.meta.url).pathname] = process.argv.slice(2);
if (!oldFile) {
  process.stderr.write('usage: npm run schema:diff -- <old.zed> [new.zed]\n');
  process.exit(2);
}
const changes = diffSchemas(readFileSync(oldFile, 'utf8'), readFileSync(newFile, 'utf8'));
if (changes.length === 0) {
  process.stdout.write('no permission changed its granting paths\n');
} else {
  process.stdout.write(`${changes.length} permission(s) changed their granting paths:\n\n`);
  for (const c of changes) {
    process.stdout.write(`${c.permission}: ${c.added.length} path(s) opened, ${c.removed.length} closed\n`);
    for (const p of c.added.slice(0, 5)) process.stdout.write(`  + ${p}\n`);
    if (c.added.length > 5) process.stdout.write(`  + … ${c.added.length - 5} more\n`);
    for (const p of c.removed.slice(0, 5)) process.stdout.write(`  - ${p}\n`);
    if (c.removed.length > 5) process.stdout.write(`  - … ${c.removed.length - 5} more\n`);
  }
}
