// How RAC things are named in SpiceDB: object types and ids. One place, so the schema's
// definitions and the ids the service writes cannot drift apart. No SIN ever becomes an id:
// individuals are named by their pseudonym.
import type { ClientId, ClientType } from './identifiers.js';
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
