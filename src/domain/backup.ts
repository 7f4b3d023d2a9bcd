// Backup and move: every relationship out as NDJSON (one relationship per line, streamed type by
// type), and NDJSON back in, in batches of one WriteRelationships each (touches, so a re-run is
// harmless). An import is not one transaction: a failed import may leave part of its lines
// written; running it again completes it.
import { z } from 'zod';
import type { AuditSink } from './audit.js';
import { ConflictError, InvalidRequestError, StoreRejectedError } from './errors.js';
import { REQUEST_LIFETIME_MS } from './authorization.commands.js';
import { groupLink } from './facts.js';
import { DEFINITIONS, isServiceObjectId } from './objects.js';
import { ROLES } from './permissions.js';
import type { AuthzStore, Consistency, Relationship } from './store-port.js';

const idSchema = z.string().regex(/^(([a-zA-Z0-9/_|\-=+]{1,1024})|\*)$/);
const nameSchema = z.string().regex(/^[a-z][a-z0-9_]{1,62}[a-z0-9]$/);
export const relationshipLineSchema = z
  .object({
    resource: z.object({ type: z.enum(DEFINITIONS), id: idSchema }).strict(),
    relation: nameSchema,
    subject: z.object({ type: z.enum(DEFINITIONS), id: idSchema, relation: nameSchema.optional() }).strict(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  // ids as the service writes them (objects.ts): never a raw SIN, a SIN-like group id or name
  .refine((l) => isServiceObjectId(l.resource.type, l.resource.id) && isServiceObjectId(l.subject.type, l.subject.id))
  // and linked as it links them: never one firm's object to another's, or a client to another's record
  .refine((l) => sameFirm(l.resource, l.subject) && ownRecord(l.resource, l.subject));

type Ref = { type: (typeof DEFINITIONS)[number]; id: string };

/** the BN of the firm a business, a BN group or an authorization record belongs to (by its id) */
const firmOf = (o: Ref): string | undefined =>
  o.type === 'business' ? o.id : o.type === 'bn_group' ? o.id.slice(0, 9) : o.type === 'authorization' ? o.id.slice(-9) : undefined;

/** two of the firm objects above, related, are one firm's (a group's business, a record's group, …) */
const sameFirm = (a: Ref, b: Ref): boolean => {
  const [x, y] = [firmOf(a), firmOf(b)];
  return x === undefined || y === undefined || x === y;
};

const CLIENT_KINDS: Partial<Record<Ref['type'], string>> = { individual_client: 'individual', business_client: 'business', trust_client: 'trust' };

/** a client's edge to an authorization record goes to that client's own record */
const ownRecord = (resource: Ref, subject: Ref): boolean => {
  const kind = CLIENT_KINDS[resource.type];
  return kind === undefined || subject.type !== 'authorization' || subject.id.startsWith(`${kind}_${resource.id}_`);
};

/**
 * A group's business line brings the business's link to the group (facts.groupLink), which files
 * exported before the link existed lack; written with it, not counted as imported.
 */
function derivedLink(r: Relationship): Relationship | undefined {
  if (r.resource.type !== 'bn_group' || r.relation !== 'business' || r.subject.type !== 'business') return undefined;
  // a group's id is "<BN>_<group id>", and sameFirm has held its BN to the business's
  const bn = r.subject.id;
  return groupLink(bn, r.resource.id.slice(bn.length + 1));
}

/** does the store hold any relationship at all? (one read per type, each stopped at its first) */
async function holdsAny(store: AuthzStore): Promise<boolean> {
  for (const type of DEFINITIONS) {
    for await (const _ of store.readRelationships({ resourceType: type }, { kind: 'fullyConsistent' })) return true;
  }
  return false;
}

/**
 * Every relationship, type by type, all read at one revision: read each at its own, an export
 * taken while an employee moved into a group could hold both the old association and the new
 * (a state that never was, and reaches more). The revision is the one a check at the asked
 * consistency is answered at (any check: its answer is not used; SpiceDB has no call that only
 * names its head revision), so the export is at least as fresh as asked, and exactly one revision.
 */
export async function* exportRelationships(store: AuthzStore, consistency: Consistency): AsyncIterable<string> {
  const asked = consistency.kind === 'minimizeLatency' ? ({ kind: 'fullyConsistent' } as const) : consistency;
  const { checkedAt } = await store.check({ resource: { type: 'business', id: '000000000' }, permission: 'view_employees', subject: { type: 'rep', id: 'ZZZZZZZ' } }, asked);
  const snapshot: Consistency = checkedAt ? { kind: 'atExactSnapshot', token: checkedAt } : asked;
  for (const type of DEFINITIONS) {
    for await (const r of store.readRelationships({ resourceType: type }, snapshot)) {
      yield `${JSON.stringify({ ...r, ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}) })}\n`;
    }
  }
}

/**
 * Relations of which the service writes at most one: toward one subject (an employee's role in a
 * business or a group, a client's level for a business's record, a RepID or a pending request) or,
 * `perResource`, at all (a client record's group, a name). Two would be a state no command makes:
 * an employee with two roles is judged by one of them and reaches by both, so the escalation
 * guard would decide on the wrong one; a client in two groups is reached by both. An import
 * refuses a line that would make one, against the store or the lines before it.
 */
const EXCLUSIVE: Array<{ resourceType: string; relations: readonly string[]; perResource?: true; what: string }> = [
  { resourceType: 'business', relations: ROLES, what: 'a second role in the business' },
  { resourceType: 'bn_group', relations: ['member', ...ROLES.filter((r) => r !== 'owner')], what: 'a second association with the group' },
  { resourceType: 'authorization', relations: ['group'], perResource: true, what: 'a second BN group for the client' },
  { resourceType: 'business', relations: ['name'], perResource: true, what: 'a second name' },
  { resourceType: 'bn_group', relations: ['name'], perResource: true, what: 'a second name' },
  ...['individual_client', 'business_client', 'trust_client'].flatMap((resourceType) =>
    (['business', 'rep', 'pending'] as const).map((kind) => ({
      resourceType,
      relations: [1, 2, 3].map((l) => `${kind}_level_${l}`),
      what: kind === 'pending' ? 'a second pending request of the business' : 'a second level of the same authorization',
    })),
  ),
];

const exclusiveOf = (r: Relationship) => EXCLUSIVE.find((e) => e.resourceType === r.resource.type && e.relations.includes(r.relation));

const IMPORT_BATCH = 1000;
export const MAX_LINE = 64 * 1024;

const isGroupLink = (r: Relationship) => r.resource.type === 'business' && r.relation === 'group';

interface ImportLine {
  lineNo: number;
  relationship: Relationship;
  /** written because of the line, not in the file (derivedLink) */
  derived?: true;
}

/** what SpiceDB takes at most once in one write: the relationship without its expiry */
const identity = (r: Relationship) => JSON.stringify([r.resource.type, r.resource.id, r.relation, r.subject.type, r.subject.id, r.subject.relation ?? null]);

/**
 * SpiceDB refusing a write of touches refuses a relationship the schema does not allow (type,
 * relation, subject type or relation, expiry): a touch has no precondition to fail.
 */
const refusedBySchema = (err: unknown) => err instanceof StoreRejectedError || err instanceof ConflictError;

/** how far an import got: relationships written and the token of the last write */
export interface ImportProgress {
  imported: number;
  /**
   * business → group links written beside the groups' lines, the file having no line of its own
   * for them (up to where the import got); not in `imported`
   */
  groupLinks: number;
  token: string;
}

/** who imports: `actor` names the API key (`key:<id>`); the import is one audit event */
export interface Importer {
  actor: string;
  requestId: string;
  audit: AuditSink;
}

/**
 * Imports NDJSON lines; returns how many relationships were written and the last token. One
 * audit event records what was written, the whole import or the part before a refused line.
 * `progress` (the caller's, when given) says how far it got when it throws: an import refused
 * part-way has written the lines before the refused one, and its token says where.
 */
export async function importRelationships(
  store: AuthzStore,
  lines: AsyncIterable<string>,
  by: Importer,
  progress: ImportProgress = { imported: 0, groupLinks: 0, token: '' },
): Promise<ImportProgress> {
  const operation = 'relationships.import';
  try {
    return await writeLines(store, lines, { actor: by.actor, operation, request_id: by.requestId }, progress);
  } finally {
    // a token: something was written
    if (progress.token) {
      by.audit.record({
        actor: by.actor,
        operation,
        target: 'relationships',
        // the links an older file's groups brought, when there were any
        after: { imported: progress.imported, ...(progress.groupLinks > 0 ? { groupLinks: progress.groupLinks } : {}) },
        consistencyToken: progress.token,
        requestId: by.requestId,
      });
    }
  }
}

/** writes the lines in batches into `progress`, kept up to date batch by batch */
async function writeLines(store: AuthzStore, lines: AsyncIterable<string>, metadata: Record<string, string>, progress: ImportProgress): Promise<ImportProgress> {
  let batch: ImportLine[] = [];
  let inBatch = new Set<string>();
  // business → group links written: the file's own lines, and those derived that the file lacks
  // (as many as the file has groups)
  const linkLines = new Set<string>();
  const derivedLinks = new Set<string>();
  let lineNo = 0;
  // the one-of relations (EXCLUSIVE) seen so far, by slot; the store is asked only when it held
  // anything when the import began (a restore into an empty store asks nothing)
  const slots = new Map<string, string>();
  const storeHeld = await holdsAny(store);
  const checkedInStore = new Set<string>();
  // a batch SpiceDB refuses is written again in halves, down to the first line it refuses, which
  // the caller's 400 names (the lines before it are written: an import is not one transaction)
  const write = async (part: ImportLine[]): Promise<void> => {
    try {
      const res = await store.write(part.map((l) => ({ operation: 'touch', relationship: l.relationship })), { metadata });
      progress.token = res.token;
      for (const l of part) {
        if (!l.derived) progress.imported++;
        if (!l.derived && !isGroupLink(l.relationship)) continue;
        // a link counts as the file's own when the file has its line, before or after the group's
        const key = identity(l.relationship);
        if (l.derived) {
          if (!linkLines.has(key)) derivedLinks.add(key);
        } else {
          linkLines.add(key);
          derivedLinks.delete(key);
        }
      }
      progress.groupLinks = derivedLinks.size;
    } catch (err) {
      if (!refusedBySchema(err)) throw err;
      if (part.length === 1) {
        throw new InvalidRequestError(`Line ${part[0]!.lineNo} is not a relationship the schema allows; ${progress.imported} were imported before it.`, [
          { path: `line ${part[0]!.lineNo}`, message: 'is not a relationship the schema allows (types, relation or expiry)' },
        ]);
      }
      const half = Math.ceil(part.length / 2);
      await write(part.slice(0, half));
      await write(part.slice(half));
    }
  };
  const flush = async () => {
    if (batch.length === 0) return;
    await write(batch);
    batch = [];
    inBatch = new Set();
  };
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    // a line refused here is refused as one SpiceDB refuses: after the lines before it are written
    if (line.length > MAX_LINE) {
      await flush();
      throw new InvalidRequestError(`Line ${lineNo} is too long; ${progress.imported} were imported before it.`, [
        { path: `line ${lineNo}`, message: `is over ${MAX_LINE} characters` },
      ]);
    }
    let parsed;
    try {
      parsed = relationshipLineSchema.parse(JSON.parse(line));
    } catch {
      await flush();
      throw new InvalidRequestError(`Line ${lineNo} is not a relationship; ${progress.imported} were imported before it.`, [
        { path: `line ${lineNo}`, message: 'is not a relationship as GET /v1/export writes them' },
      ]);
    }
    const relationship: Relationship = {
      resource: parsed.resource,
      relation: parsed.relation,
      subject: { type: parsed.subject.type, id: parsed.subject.id, ...(parsed.subject.relation ? { relation: parsed.subject.relation } : {}) },
      ...(parsed.expiresAt ? { expiresAt: new Date(parsed.expiresAt) } : {}),
    };
    const refuse = async (message: string, conflict = false) => {
      await flush();
      const text = `Line ${lineNo} ${message}; ${progress.imported} were imported before it.`;
      throw conflict ? new ConflictError(`${text} An import adds to what the store holds: restore a backup into an empty store.`) : new InvalidRequestError(text, [{ path: `line ${lineNo}`, message }]);
    };
    // a pending request lapses within 14 days of being made (the service never writes a later one)
    if (/^pending_level_/.test(relationship.relation) && relationship.expiresAt && relationship.expiresAt.getTime() > Date.now() + REQUEST_LIFETIME_MS + 60_000) {
      await refuse('is a pending request lapsing more than 14 days from now');
    }
    const exclusive = exclusiveOf(relationship);
    if (exclusive) {
      const r = relationship;
      const slot = `${r.resource.type}:${r.resource.id}#${exclusive.relations[0]}${exclusive.perResource ? '' : `@${r.subject.type}:${r.subject.id}`}`;
      const value = `${r.relation}@${r.subject.type}:${r.subject.id}`;
      const before = slots.get(slot);
      if (before !== undefined && before !== value) await refuse(`gives ${exclusive.what} (an earlier line gave another)`);
      slots.set(slot, value);
      if (storeHeld && !checkedInStore.has(slot)) {
        checkedInStore.add(slot);
        const filter = { resourceType: r.resource.type, resourceId: r.resource.id, ...(exclusive.perResource ? {} : { subject: { type: r.subject.type, id: r.subject.id } }) };
        for await (const held of store.readRelationships(filter, { kind: 'fullyConsistent' })) {
          if (exclusive.relations.includes(held.relation) && `${held.relation}@${held.subject.type}:${held.subject.id}` !== value) {
            await refuse(`gives ${exclusive.what}: the store holds another`, true);
          }
        }
      }
    }
    // a relationship may appear once per write: a repeat goes to the next one (so of two
    // expiries for one relationship, the later line wins; the same line again is a no-op touch)
    const key = identity(relationship);
    if (inBatch.has(key)) await flush();
    batch.push({ lineNo, relationship });
    inBatch.add(key);
    const link = derivedLink(relationship);
    if (link && !inBatch.has(identity(link))) {
      batch.push({ lineNo, relationship: link, derived: true });
      inBatch.add(identity(link));
    }
    // a line adds at most two: a batch stays within SpiceDB's 1000 updates a write
    if (batch.length >= IMPORT_BATCH - 1) await flush();
  }
  await flush();
  // every write answers a token: with nothing imported, an empty write's
  if (progress.imported === 0) progress.token = (await store.write([], { metadata })).token;
  return progress;
}
