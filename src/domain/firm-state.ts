// Reads of the current state a command depends on (an employee's role, the registration, the
// owners, a group). Commands read, decide, then write with preconditions asserting that what
// they read still holds, so a concurrent change makes the write fail instead of mixing.
import * as facts from './facts.js';
import { businessObject, EVERY_REP, groupObject } from './objects.js';
import { nameFromId } from './names.js';
import { PRIVILEGES, ROLES, type Privilege, type Role } from './permissions.js';
import type { AuthzStore, Consistency, Precondition, Relationship } from './store-port.js';

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

const filterOf = (r: Relationship) => ({
  resourceType: r.resource.type,
  resourceId: r.resource.id,
  relation: r.relation,
  subject: { type: r.subject.type, id: r.subject.id, ...(r.subject.relation ? { relation: r.subject.relation } : {}) },
});
export const mustExist = (r: Relationship): Precondition => ({ operation: 'mustMatch', filter: filterOf(r) });
export const mustNotExist = (r: Relationship): Precondition => ({ operation: 'mustNotMatch', filter: filterOf(r) });

export interface EmployeeState {
  role?: Role;
  disassociated: boolean;
  privileges: Privilege[];
}

export async function readEmployee(store: AuthzStore, bn: string, repId: string, consistency: Consistency): Promise<EmployeeState> {
  const rels = await collect(
    store.readRelationships(
      { resourceType: 'business', resourceId: bn, subject: { type: 'rep', id: repId } },
      consistency,
    ),
  );
  const state: EmployeeState = { disassociated: false, privileges: [] };
  for (const r of rels) {
    if ((ROLES as readonly string[]).includes(r.relation)) state.role = r.relation as Role;
    else if (r.relation === 'disassociated') state.disassociated = true;
    else if ((PRIVILEGES as readonly string[]).includes(r.relation)) state.privileges.push(r.relation as Privilege);
  }
  state.privileges.sort();
  return state;
}

/** every association a rep holds in a business: its business association, and its BN groups' */
export interface Associations {
  business: EmployeeState;
  groups: Array<{ groupId: string; role: facts.GroupRole }>;
}

export async function readAssociations(store: AuthzStore, bn: string, repId: string, consistency: Consistency): Promise<Associations> {
  const business = await readEmployee(store, bn, repId, consistency);
  const prefix = `${bn}_`;
  const groups: Associations['groups'] = [];
  for await (const r of store.readRelationships({ resourceType: 'bn_group', subject: { type: 'rep', id: repId } }, consistency)) {
    if (r.resource.id.startsWith(prefix)) groups.push({ groupId: r.resource.id.slice(prefix.length), role: r.relation as facts.GroupRole });
  }
  groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
  return { business, groups };
}

/** the rep holds an association in the business, of any kind */
export const isAssociated = (a: Associations): boolean => a.business.role !== undefined || a.groups.length > 0;

/**
 * May an employee with these associations hold privileges (rac-access.md section 4: the limited
 * role never does)? Not when its business role is the limited one, nor, with no business role,
 * when every BN-group role it holds is (or it holds none).
 */
export const mayHoldPrivileges = (a: { business: { role?: Role }; groups: ReadonlyArray<{ role: facts.GroupRole }> }): boolean =>
  a.business.role ? a.business.role !== 'junior_rep_limited' : a.groups.some((g) => g.role !== 'junior_rep_limited');

/** preconditions: the rep's group associations are still exactly those read */
export const groupAssociationsUnchanged = (bn: string, repId: string, a: Associations): Precondition[] =>
  a.groups.map((g) => mustExist(facts.groupAssociation(bn, g.groupId, repId, g.role)));

/** preconditions: the rep holds no association in these groups of the business */
const notInGroups = (bn: string, repId: string, groupIds: string[]): Precondition[] =>
  groupIds.map((groupId) => {
    const g = groupObject(bn, groupId);
    return { operation: 'mustNotMatch', filter: { resourceType: g.type, resourceId: g.id, subject: { type: 'rep', id: repId } } };
  });

/**
 * preconditions: the rep holds no association in any group of the business (the groups read
 * now); with roleUnchanged(…, undefined), that it holds no association in the business at all
 */
export async function noGroupAssociation(store: AuthzStore, bn: string, repId: string, consistency: Consistency): Promise<Precondition[]> {
  return notInGroups(bn, repId, await readGroupIds(store, bn, consistency));
}

/**
 * preconditions: the rep's group associations are exactly those read: each still holds, and it
 * holds none in any other group of the business (one precondition per such group)
 */
export async function groupAssociationsExactly(store: AuthzStore, bn: string, repId: string, a: Associations, consistency: Consistency): Promise<Precondition[]> {
  const held = new Set(a.groups.map((g) => g.groupId));
  const others = (await readGroupIds(store, bn, consistency)).filter((groupId) => !held.has(groupId));
  return [...groupAssociationsUnchanged(bn, repId, a), ...notInGroups(bn, repId, others)];
}

/**
 * preconditions: the rep's group associations are still those read; or, holding none in the
 * business when read, it still holds none in any group of it
 */
export async function groupAssociationsAsRead(store: AuthzStore, bn: string, repId: string, a: Associations, consistency: Consistency): Promise<Precondition[]> {
  return isAssociated(a) ? groupAssociationsUnchanged(bn, repId, a) : noGroupAssociation(store, bn, repId, consistency);
}

/** preconditions: the employee still has exactly the role read (or none) */
export function roleUnchanged(bn: string, repId: string, role: Role | undefined): Precondition[] {
  return role ? [mustExist(facts.role(bn, repId, role))] : ROLES.map((r) => mustNotExist(facts.role(bn, repId, r)));
}

export type RegistrationStatus = 'active' | 'suspended' | 'cancelled';

export interface RegistrationState {
  status?: RegistrationStatus;
  name?: string;
  /** the business holds relationships besides its status and name (associations, privileges, group links) */
  firmRelationships: boolean;
}

export async function readRegistration(store: AuthzStore, bn: string, consistency: Consistency): Promise<RegistrationState> {
  const rels = await collect(store.readRelationships({ resourceType: 'business', resourceId: bn }, consistency));
  let registered = false;
  let suspended = false;
  let cancelled = false;
  let name: string | undefined;
  let firmRelationships = false;
  for (const r of rels) {
    if (r.subject.id === EVERY_REP.id && r.subject.type === 'rep') {
      if (r.relation === 'registered') registered = true;
      if (r.relation === 'suspended') suspended = true;
      if (r.relation === 'cancelled') cancelled = true;
    } else if (r.relation === 'name') {
      name = nameFromId(r.subject.id);
    } else {
      firmRelationships = true;
    }
  }
  const status: RegistrationStatus | undefined = registered ? (suspended ? 'suspended' : 'active') : cancelled ? 'cancelled' : undefined;
  return { ...(status ? { status } : {}), ...(name !== undefined ? { name } : {}), firmRelationships };
}

/** owners whose association is in force (not disassociated) */
export async function readActiveOwners(store: AuthzStore, bn: string, consistency: Consistency): Promise<string[]> {
  const owners = await collect(store.readRelationships({ resourceType: 'business', resourceId: bn, relation: 'owner' }, consistency));
  const gone = new Set(
    (await collect(store.readRelationships({ resourceType: 'business', resourceId: bn, relation: 'disassociated' }, consistency))).map(
      (r) => r.subject.id,
    ),
  );
  return owners.map((r) => r.subject.id).filter((id) => !gone.has(id)).sort();
}

export interface GroupState {
  exists: boolean;
  name?: string;
}

export async function readGroup(store: AuthzStore, bn: string, groupId: string, consistency: Consistency): Promise<GroupState> {
  const g = groupObject(bn, groupId);
  const rels = await collect(store.readRelationships({ resourceType: g.type, resourceId: g.id }, consistency));
  const exists = rels.some((r) => r.relation === 'fence');
  const name = rels.find((r) => r.relation === 'name');
  return { exists, ...(name ? { name: nameFromId(name.subject.id) } : {}) };
}

/** the role (or member) a rep holds in a group, if any */
export async function readGroupAssociation(
  store: AuthzStore,
  bn: string,
  groupId: string,
  repId: string,
  consistency: Consistency,
): Promise<facts.GroupRole | undefined> {
  const g = groupObject(bn, groupId);
  const rels = await collect(
    store.readRelationships({ resourceType: g.type, resourceId: g.id, subject: { type: 'rep', id: repId } }, consistency),
  );
  return rels.find((r) => r.relation !== 'fence')?.relation as facts.GroupRole | undefined;
}

/** the ids of the groups a business links to (facts.groupLink; groups from before the link lack it) */
export async function readLinkedGroupIds(store: AuthzStore, bn: string, consistency: Consistency): Promise<string[]> {
  const b = businessObject(bn);
  const rels = await collect(store.readRelationships({ resourceType: b.type, resourceId: b.id, relation: 'group' }, consistency));
  return rels.map((r) => r.subject.id.slice(bn.length + 1)).sort();
}

/** the ids of the groups of a business */
export async function readGroupIds(store: AuthzStore, bn: string, consistency: Consistency): Promise<string[]> {
  const b = businessObject(bn);
  const rels = await collect(
    store.readRelationships({ resourceType: 'bn_group', relation: 'business', subject: { type: b.type, id: b.id } }, consistency),
  );
  return rels.map((r) => r.resource.id.slice(bn.length + 1)).sort();
}

