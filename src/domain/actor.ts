// The actor of an admin operation (the RAC-Actor header): an employee, `rep:<RepID>`, or a
// taxpayer acting on its own authorizations, `client:<type>:<id>`.
import { z } from 'zod';
import { clientSchema, repIdSchema, type ClientId } from './identifiers.js';
import { resolveClient, type ClientKey } from './objects.js';
import type { Pseudonymizer } from './pseudonym.js';

export type Actor = { kind: 'rep'; repId: string } | { kind: 'client'; client: ClientId };

export const actorSchema = z
  .string()
  .max(160, 'must be rep:<RepID> or client:<type>:<id>')
  .transform((s, ctx): Actor => {
    if (s.startsWith('rep:')) {
      const r = repIdSchema.safeParse(s.slice(4));
      if (r.success) return { kind: 'rep', repId: r.data };
    } else if (s.startsWith('client:')) {
      const rest = s.slice(7);
      const colon = rest.indexOf(':');
      const r = clientSchema.safeParse({ type: rest.slice(0, Math.max(colon, 0)), id: rest.slice(colon + 1) });
      if (colon > 0 && r.success) return { kind: 'client', client: r.data };
    }
    ctx.addIssue({ code: 'custom', message: 'must be rep:<RepID> or client:<type>:<id>' });
    return z.NEVER;
  });

/** How an actor appears in audit events and transaction metadata: never a SIN. */
export function actorLabel(actor: Actor, pseudonymize: Pseudonymizer): string {
  if (actor.kind === 'rep') return `rep:${actor.repId}`;
  const c = resolveClient(actor.client, pseudonymize);
  return `client:${c.type}:${c.key}`;
}

export function sameClient(a: ClientKey, b: ClientKey): boolean {
  return a.type === b.type && a.key === b.key;
}
