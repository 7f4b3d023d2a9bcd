// The relationships that state each RAC fact ("REP1 is senior_rep of business B", "client C
// authorized B at level 2 until D"). Commands, the demo and the tests build state with these,
// so the shape of the data lives in one place beside objects.ts.
import type { Privilege, Role } from './permissions.js';
import type { Relationship } from './store-port.js';
import {
  authorizationObject,
  businessObject,
  clientObject,
  EVERY_REP,
  groupObject,
  repObject,
  type ClientKey,
} from './objects.js';

export type GroupRole = Exclude<Role, 'owner'> | 'member';
export type Level = 1 | 2 | 3;

export const registered = (bn: string): Relationship => ({
  resource: businessObject(bn),
  relation: 'registered',
  subject: EVERY_REP,
});
export const suspended = (bn: string): Relationship => ({
  resource: businessObject(bn),
  relation: 'suspended',
  subject: EVERY_REP,
});
export const cancelled = (bn: string): Relationship => ({
  resource: businessObject(bn),
  relation: 'cancelled',
  subject: EVERY_REP,
});

export const role = (bn: string, repId: string, r: Role): Relationship => ({
  resource: businessObject(bn),
  relation: r,
  subject: repObject(repId),
});
export const disassociated = (bn: string, repId: string): Relationship => ({
  resource: businessObject(bn),
  relation: 'disassociated',
  subject: repObject(repId),
});
export const privilege = (bn: string, repId: string, p: Privilege): Relationship => ({
  resource: businessObject(bn),
  relation: p,
  subject: repObject(repId),
});

/**
 * the relationships that make a group exist, written and removed in one write: its business, its
 * fence, and the business's link to it (read by request_authorization). Groups written before
 * the link existed get it when an employee is next associated to them, or at import.
 */
export const group = (bn: string, groupId: string): Relationship[] => [
  { resource: groupObject(bn, groupId), relation: 'business', subject: businessObject(bn) },
  { resource: groupObject(bn, groupId), relation: 'fence', subject: EVERY_REP },
  groupLink(bn, groupId),
];
/** the business's link to one of its groups */
export const groupLink = (bn: string, groupId: string): Relationship => ({ resource: businessObject(bn), relation: 'group', subject: groupObject(bn, groupId) });

export const groupAssociation = (bn: string, groupId: string, repId: string, r: GroupRole): Relationship => ({
  resource: groupObject(bn, groupId),
  relation: r,
  subject: repObject(repId),
});

/** a client's authorization of a business: the record's business, and the client's levelled edge */
export const businessAuthorization = (client: ClientKey, bn: string, level: Level, expiresAt?: Date): Relationship[] => [
  { resource: authorizationObject(client, bn), relation: 'business', subject: businessObject(bn) },
  {
    resource: clientObject(client),
    relation: `business_level_${level}`,
    subject: authorizationObject(client, bn),
    ...(expiresAt ? { expiresAt } : {}),
  },
];
export const repAuthorization = (client: ClientKey, repId: string, level: Level, expiresAt?: Date): Relationship => ({
  resource: clientObject(client),
  relation: `rep_level_${level}`,
  subject: repObject(repId),
  ...(expiresAt ? { expiresAt } : {}),
});
export const clientInGroup = (client: ClientKey, bn: string, groupId: string): Relationship => ({
  resource: authorizationObject(client, bn),
  relation: 'group',
  subject: groupObject(bn, groupId),
});
export const pendingRequest = (client: ClientKey, bn: string, level: Level, expiresAt: Date): Relationship => ({
  resource: clientObject(client),
  relation: `pending_level_${level}`,
  subject: businessObject(bn),
  expiresAt,
});
