// Test support: ask the live schema a question in RAC words.
import type { ClientKey } from '../../src/domain/objects.js';
import { businessObject, clientObject, repObject } from '../../src/domain/objects.js';
import type { AuthzStore } from '../../src/domain/store-port.js';
import { FULL } from './store.js';

export type Target = { business: string } | { client: ClientKey };

export async function can(store: AuthzStore, rep: string, permission: string, target: Target): Promise<boolean> {
  const resource = 'business' in target ? businessObject(target.business) : clientObject(target.client);
  const answer = await store.check({ resource, permission, subject: repObject(rep) }, FULL);
  return answer.allowed;
}

/** every client permission of a client type, for "reaches nothing" assertions */
export const CLIENT_PERMS_OF = (type: ClientKey['type']): string[] =>
  ['view', 'update', 'list', 'view_transactions', 'remove_authorization', ...(type === 'individual' ? ['view_notices'] : [])];

/** the permissions among `perms` that `rep` holds on the target */
export async function granted(store: AuthzStore, rep: string, perms: string[], target: Target): Promise<string[]> {
  const out: string[] = [];
  for (const p of perms) if (await can(store, rep, p, target)) out.push(p);
  return out;
}
