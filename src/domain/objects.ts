// How RAC things are named in SpiceDB: object types and ids. One place, so the schema's
// definitions and the ids the service writes cannot drift apart. No SIN ever becomes an id:
// individuals are named by their pseudonym.
import { hasSinLike, type ClientId, type ClientType } from './identifiers.js';
import { nameFromId, nameObject, nameSchema } from './names.js';
import type { ObjectRef } from './store-port.js';
import type { Pseudonymizer } from './pseudonym.js';

/** A client as SpiceDB knows it: its type and its key (ref, BN or trust number). */
export interface ClientKey {
  type: ClientType;
  key: string;
}

export const CLIENT_OBJECT_TYPES: Record<ClientType, string> = {
  individual: 'individual_client',
  business: 'business_client',
  trust: 'trust_client',
};

export function resolveClient(client: ClientId, pseudonymize: Pseudonymizer): ClientKey {
  switch (client.type) {
    case 'individual':
      return { type: 'individual', key: 'sin' in client ? pseudonymize(client.sin) : client.ref };
    case 'business':
      return { type: 'business', key: client.bn };
    case 'trust':
      return { type: 'trust', key: client.trustNumber };
  }
}

export const repObject = (repId: string): ObjectRef => ({ type: 'rep', id: repId });
export const businessObject = (bn: string): ObjectRef => ({ type: 'business', id: bn });
export const groupObject = (bn: string, groupId: string): ObjectRef => ({ type: 'bn_group', id: `${bn}_${groupId}` });
export const clientObject = (c: ClientKey): ObjectRef => ({ type: CLIENT_OBJECT_TYPES[c.type], id: c.key });
/** the per-(client, business) authorization record (see schema.zed) */
export const authorizationObject = (c: ClientKey, bn: string): ObjectRef => ({
  type: 'authorization',
  id: `${c.type}_${c.key}_${bn}`,
});
/** the wildcard subject: "every representative" (status markers and group fences) */
export const EVERY_REP = { type: 'rep', id: '*' } as const;

/**
 * The id each object type has when the service writes it (the grammars above, pseudonyms for
 * individuals): an import is held to them, so no id the service would never write (a raw SIN as
 * an individual's id, a SIN-like group id or name) reaches SpiceDB that way.
 */
const OBJECT_IDS: Record<(typeof DEFINITIONS)[number], RegExp> = {
  rep: /^(?:[A-Z0-9]{7}|\*)$/,
  display_name: /^[A-Za-z0-9_-]{1,1024}$/,
  business: /^[0-9]{9}$/,
  bn_group: /^[0-9]{9}_[a-z0-9]{1,32}$/,
  authorization: /^(?:individual_[0-9a-f]{64}|business_[0-9]{9}|trust_T[0-9]{8})_[0-9]{9}$/,
  individual_client: /^[0-9a-f]{64}$/,
  business_client: /^[0-9]{9}$/,
  trust_client: /^T[0-9]{8}$/,
};

/** is `id` one the service could have written for an object of `type`? */
export function isServiceObjectId(type: (typeof DEFINITIONS)[number], id: string): boolean {
  if (!OBJECT_IDS[type].test(id)) return false;
  if (type === 'bn_group') return !hasSinLike(id.slice(10));
  if (type === 'display_name') {
    // the id itself must be one a valid name encodes to (so nine digits, valid base64url, are not
    // stored as they are), and the name one the API would take
    const name = nameFromId(id);
    const parsed = nameSchema.safeParse(name);
    return parsed.success && parsed.data === name && nameObject(name).id === id;
  }
  return true;
}

/** every object type schema.zed defines (a test keeps this list and the schema in step) */
export const DEFINITIONS = [
  'rep',
  'display_name',
  'business',
  'bn_group',
  'authorization',
  'individual_client',
  'business_client',
  'trust_client',
] as const;
