// The generated access matrix (src/review/access-matrix.md) is what the live schema says, and what the
// spec's table says: reviewers read a table that cannot lie.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { computeMatrix, renderMarkdown, type MatrixRow } from '../src/review/access-matrix.js';
import { ROLES } from '../src/domain/permissions.js';
import { expected, matrix, STATES } from './support/matrix.js';
import { openStore } from '../src/spicedb/index.js';
import { EMBEDDED, schemaText } from './support/store.js';

let rows: MatrixRow[];
beforeAll(async () => {
  const scratch = await openStore(EMBEDDED, schemaText());
  try {
    rows = await computeMatrix(scratch);
  } finally {
    await scratch.close();
  }
});

describe('src/review/access-matrix.md', () => {
  it('is exactly what the schema answers (run npm run matrix after a schema change)', () => {
    const committed = readFileSync(new URL('../src/review/access-matrix.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderMarkdown(rows));
  });

  it('has exactly the spec table\'s rows: every business function, every client permission for each client type it applies to', () => {
    const key = (permission: string, type?: string) => `${permission}${type ? `/${type}` : ''}`;
    const specRows = [
      ...matrix.business_functions.map((r) => key(r.permission)),
      ...matrix.client_permissions.flatMap((r) => (r.applies_to ?? []).map((t) => key(r.permission, t))),
    ].sort();
    expect(rows.map((r) => key(r.permission, r.clientType)).sort()).toEqual(specRows);
  });

  it('agrees with the spec table in every cell (on a scratch engine, as npm run matrix asks it)', () => {
    for (const row of rows) {
      const spec = [...matrix.business_functions, ...matrix.client_permissions].find(
        (r) => r.permission === row.permission && (row.clientType ? r.applies_to : !r.applies_to),
      )!;
      for (const role of ROLES) {
        const want = STATES.filter((s) => expected(spec.roles[role], s, row.clientType));
        expect({ permission: row.permission, type: row.clientType, role, allowedWith: row.allowedWith[role] }).toEqual({
          permission: row.permission,
          type: row.clientType,
          role,
          allowedWith: want,
        });
      }
    }
  });
});
