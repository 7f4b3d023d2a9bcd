// Schema tests as data: SpiceDB validation files under test/validation/ (schema, relationships
// with a one-line comment each, assertTrue/assertFalse, expected subjects), run against the
// embedded engine. The same files are what `zed validate` reads.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AuthzStore, Relationship } from '../src/domain/store-port.js';
import { openStore } from '../src/spicedb/index.js';
import { EMBEDDED } from './support/store.js';

interface ValidationFile {
  schemaFile?: string;
  schema?: string;
  relationships?: string;
  assertions?: { assertTrue?: string[]; assertFalse?: string[] };
  validation?: Record<string, string[]>;
}

const dir = new URL('./validation/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

/** `type:id#relation@type:id[#relation][[expiration:...]]` */
const REL = /^(\w+):([^#\s]+)#(\w+)@(\w+):([^#\s[]+)(?:#(\w+))?(?:\[expiration:([^\]]+)\])?$/;
function parseRelationship(line: string): Relationship {
  const m = REL.exec(line.trim());
  if (!m) throw new Error(`not a relationship: ${line}`);
  return {
    resource: { type: m[1]!, id: m[2]! },
    relation: m[3]!,
    subject: { type: m[4]!, id: m[5]!, ...(m[6] ? { relation: m[6] } : {}) },
    ...(m[7] ? { expiresAt: new Date(m[7]) } : {}),
  };
}

describe.each(files)('%s', (file) => {
  const doc = parse(readFileSync(new URL(file, dir), 'utf8')) as ValidationFile;
  const lines = (doc.relationships ?? '').split('\n').map((l) => l.trim());
  let store: AuthzStore;

  beforeAll(async () => {
    const schema = doc.schema ?? readFileSync(new URL(doc.schemaFile!, dir), 'utf8');
    store = await openStore(EMBEDDED, schema);
    const rels = lines.filter((l) => l && !l.startsWith('//')).map(parseRelationship);
    await store.write(rels.map((relationship) => ({ operation: 'touch', relationship })));
  });
  afterAll(async () => {
    await store.close();
  });

  it('gives every relationship a one-line comment', () => {
    lines.forEach((l, i) => {
      if (l && !l.startsWith('//')) expect(lines[i - 1]?.startsWith('//') ? 'commented' : `uncommented: ${l}`).toBe('commented');
    });
  });

  const check = async (assertion: string) => {
    const m = /^(\w+):([^#\s]+)#(\w+)@(\w+):([^#\s]+)$/.exec(assertion);
    if (!m) throw new Error(`not an assertion: ${assertion}`);
    const answer = await store.check(
      { resource: { type: m[1]!, id: m[2]! }, permission: m[3]!, subject: { type: m[4]!, id: m[5]! } },
      { kind: 'fullyConsistent' },
    );
    return answer.allowed;
  };
  it.each(doc.assertions?.assertTrue ?? [])('assertTrue %s', async (a) => {
    expect(await check(a)).toBe(true);
  });
  it.each(doc.assertions?.assertFalse ?? [])('assertFalse %s', async (a) => {
    expect(await check(a)).toBe(false);
  });

  it.each(Object.entries(doc.validation ?? {}))('expected subjects of %s', async (target, entries) => {
    const [resource, permission] = target.split('#') as [string, string];
    const [type, id] = resource.split(':') as [string, string];
    const want = entries.map((e) => /^\[([^\]]+)\]/.exec(e)![1]!).sort();
    const got: string[] = [];
    for await (const s of store.lookupSubjects({ resource: { type, id }, permission, subjectType: 'rep' }, { kind: 'fullyConsistent' })) got.push(`rep:${s}`);
    expect(got.sort()).toEqual(want);
  });
});
