// BN groups: create and delete a group, associate employees to it (with the business role or a
// role of their own in the group), and fence clients into it (rac-access.md, BN-group rule).
// Every command needs manage_groups; giving a group role also passes the escalation guard.
import { randomBytes } from 'node:crypto';
import { del, FRESHEST, touch, type AdminKit, type CommandContext } from './admin-kit.js';
import { ConflictError, NotFoundError } from './errors.js';
import { associationPermissions } from './escalation.js';
import * as facts from './facts.js';
import {
  collect,
  groupAssociationsAsRead,
  isAssociated,
  mayHoldPrivileges,
  mustExist,
  mustNotExist,
  readAssociations,
  readEmployee,
  readGroup,
  readGroupAssociation,
  roleUnchanged,
  type Associations,
} from './firm-state.js';
import { hasSinLike, type ClientId } from './identifiers.js';
import { nameObject } from './names.js';
import { authorizationObject, businessObject, clientObject, groupObject, type ClientKey } from './objects.js';
import { PRIVILEGES, type BusinessFunction, type Role } from './permissions.js';
import type { Precondition, RelationshipUpdate } from './store-port.js';

const GROUP_ROLES: facts.GroupRole[] = ['member', 'junior_rep_limited', 'junior_rep', 'senior_rep', 'junior_admin', 'senior_admin'];
/** the engine's default limit of updates in one WriteRelationships */
export const MAX_UPDATES_PER_WRITE = 1000;
export const MAX_PRECONDITIONS_PER_WRITE = 1000;

/** `g` and 12 hex characters, never nine digits in a row (what a SIN looks like: see groupIdSchema) */
export function newGroupId(): string {
  for (;;) {
    const id = `g${randomBytes(6).toString('hex')}`;
    if (!hasSinLike(id)) return id;
  }
}

/** the client has an authorization of the business (any level): the precondition of fencing it */
const clientAuthorized = (client: ClientKey, bn: string): Precondition => {
  const c = clientObject(client);
  const a = authorizationObject(client, bn);
  return { operation: 'mustMatch', filter: { resourceType: c.type, resourceId: c.id, subject: { type: a.type, id: a.id } } };
};

export class GroupCommands {
  constructor(private readonly kit: AdminKit) {}

  private async allowed(ctx: CommandContext, bn: string, extra: BusinessFunction[] = []): Promise<Precondition[]> {
    const actor = this.kit.repActor(ctx);
    return this.kit.authorizeActor(actor, bn, ['manage_groups', ...extra]);
  }

  private async existing(bn: string, groupId: string) {
    const g = await readGroup(this.kit.store, bn, groupId, FRESHEST);
    if (!g.exists) throw new NotFoundError(`group ${groupId} does not exist in business ${bn}`);
    return g;
  }

  async create(ctx: CommandContext, bn: string, name: string) {
    const pre = await this.allowed(ctx, bn);
    const groupId = newGroupId();
    const g = groupObject(bn, groupId);
    const updates = [...facts.group(bn, groupId).map(touch), touch({ resource: g, relation: 'name', subject: nameObject(name) })];
    pre.push({ operation: 'mustNotMatch', filter: { resourceType: g.type, resourceId: g.id } });
    const token = await this.kit.write(ctx, 'group.create', `bn_group:${g.id}`, updates, pre, { after: { groupId, name } });
    return { groupId, name, token };
  }

  /**
   * Removing the group's fence and business link in one write ends its effect at once: its
   * clients return to the business-wide rule and its associations reach nothing. The leftover
   * associations and client assignments are then cleaned up.
   */
  async delete(ctx: CommandContext, bn: string, groupId: string) {
    const pre = await this.allowed(ctx, bn);
    const g = await readGroup(this.kit.store, bn, groupId, FRESHEST);
    const obj = groupObject(bn, groupId);
    const target = `bn_group:${obj.id}`;
    if (!g.exists) {
      // nothing to delete, but every write answers a token: an empty write, at whose revision
      // the group is still absent (if it was created meanwhile, the precondition fails: 409)
      const fence = facts.group(bn, groupId).filter((r) => r.relation === 'fence').map(mustNotExist);
      return { token: await this.kit.write(ctx, 'group.delete', target, [], [...pre, ...fence], { before: null, after: null }) };
    }
    // the reps associated to the group: deleting an association deletes its privileges, so those
    // left with no association that may hold one lose theirs (below)
    const reps = new Set(
      (await collect(this.kit.store.readRelationships({ resourceType: obj.type, resourceId: obj.id, subject: { type: 'rep' } }, FRESHEST)))
        .map((r) => r.subject.id)
        .filter((id) => id !== '*'),
    );
    const updates = facts.group(bn, groupId).map(del);
    if (g.name !== undefined) updates.push(del({ resource: obj, relation: 'name', subject: nameObject(g.name) }));
    const token = await this.kit.write(ctx, 'group.delete', target, updates, pre, {
      before: { groupId, name: g.name ?? null },
      after: null,
    });
    await this.kit.cleanUp(ctx, 'group.delete', target, { resourceType: obj.type, resourceId: obj.id });
    await this.kit.cleanUp(ctx, 'group.delete', target, { resourceType: 'authorization', relation: 'group', subject: { type: obj.type, id: obj.id } });
    // the token answered is the newest write's, so that a read at it sees the privileges gone;
    // only the group's employees holding a privilege are read again (one read finds them)
    let newest = token;
    const holders = new Set(
      (await collect(this.kit.store.readRelationships({ resourceType: 'business', resourceId: bn, subject: { type: 'rep' } }, FRESHEST)))
        .filter((r) => (PRIVILEGES as readonly string[]).includes(r.relation))
        .map((r) => r.subject.id),
    );
    for (const repId of reps) if (holders.has(repId)) newest = (await this.dropStrandedPrivileges(ctx, bn, repId, target)) ?? newest;
    return { token: newest };
  }

  /**
   * After a group's associations went: the rep's privileges go too if no association it still
   * holds may hold one (none left, or only the limited role), in a write that requires its
   * associations to be those read; a concurrent change to them makes it read and decide again.
   */
  private async dropStrandedPrivileges(ctx: CommandContext, bn: string, repId: string, target: string): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      const all = await readAssociations(this.kit.store, bn, repId, FRESHEST);
      if (all.business.privileges.length === 0 || mayHoldPrivileges(all)) return undefined;
      const pre = [...roleUnchanged(bn, repId, all.business.role), ...(await groupAssociationsAsRead(this.kit.store, bn, repId, all, FRESHEST))];
      try {
        return await this.kit.write(ctx, 'group.delete', `${target}/rep:${repId}`, PRIVILEGES.map((p) => del(facts.privilege(bn, repId, p))), pre, {
          before: { privileges: all.business.privileges },
          after: { privilegesRemoved: all.business.privileges },
        });
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt === 3) throw err;
      }
    }
  }

  /** associate a rep to the group: with its business role (no role given) or with a group role */
  async putEmployee(ctx: CommandContext, bn: string, groupId: string, repId: string, role: Exclude<Role, 'owner'> | undefined) {
    const current = await readGroupAssociation(this.kit.store, bn, groupId, repId, FRESHEST);
    const guard = new Set<BusinessFunction>([...(role ? associationPermissions(role) : []), ...(current && current !== 'member' ? associationPermissions(current) : [])]);
    const pre = await this.allowed(ctx, bn, [...guard]);
    await this.existing(bn, groupId);
    pre.push(mustExist(facts.group(bn, groupId)[1]!));
    const wanted: facts.GroupRole = role ?? 'member';
    if (wanted === 'member') {
      // "the rep's business role applies": the rep must be an employee of the business
      const employee = await readEmployee(this.kit.store, bn, repId, FRESHEST);
      if (!employee.role) throw new ConflictError(`${repId} is not an employee of business ${bn}; give a group role instead`);
      pre.push(mustExist(facts.role(bn, repId, employee.role)));
    }
    const updates: RelationshipUpdate[] = GROUP_ROLES.filter((r) => r !== wanted).map((r) => del(facts.groupAssociation(bn, groupId, repId, r)));
    // a group from before the business linked its groups gets its link here (see facts.group)
    updates.push(touch(facts.groupAssociation(bn, groupId, repId, wanted)), touch(facts.groupLink(bn, groupId)));
    if (current) pre.push(mustExist(facts.groupAssociation(bn, groupId, repId, current)));
    const all = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    const dropped = await this.privilegesLost(bn, groupId, repId, all, wanted, updates, pre);
    await this.leftoverDisassociation(bn, repId, all, updates, pre);
    const token = await this.kit.write(ctx, 'group.employee.put', `bn_group:${groupObject(bn, groupId).id}/rep:${repId}`, updates, pre, {
      before: current ? { role: current } : null,
      after: { role: wanted, ...(dropped.length > 0 ? { privilegesRemoved: dropped } : {}) },
    });
    return { created: !current, token };
  }

  async deleteEmployee(ctx: CommandContext, bn: string, groupId: string, repId: string) {
    const current = await readGroupAssociation(this.kit.store, bn, groupId, repId, FRESHEST);
    const pre = await this.allowed(ctx, bn, current && current !== 'member' ? associationPermissions(current) : []);
    const updates = GROUP_ROLES.map((r) => del(facts.groupAssociation(bn, groupId, repId, r)));
    const all = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    const dropped = await this.privilegesLost(bn, groupId, repId, all, undefined, updates, pre);
    const token = await this.kit.write(ctx, 'group.employee.delete', `bn_group:${groupObject(bn, groupId).id}/rep:${repId}`, updates, pre, {
      before: current ? { role: current } : null,
      after: dropped.length > 0 ? { privilegesRemoved: dropped } : null,
    });
    return { token };
  }

  /**
   * The limited role never holds a privilege (rac-access.md section 4): when this group role
   * (`wanted`; undefined, the association removed) leaves the employee no association that may
   * hold one, its privileges go in the same write, which then also requires its other
   * associations to be those read. Returns the privileges removed.
   */
  private async privilegesLost(bn: string, groupId: string, repId: string, all: Associations, wanted: facts.GroupRole | undefined, updates: RelationshipUpdate[], pre: Precondition[]) {
    if (all.business.privileges.length === 0) return [];
    const groups = all.groups.filter((g) => g.groupId !== groupId);
    if (wanted) groups.push({ groupId, role: wanted });
    // privileges found where no association may hold them (none at all, or the limited role only)
    // are left behind (an interrupted clean-up, an import), and nobody assigned them to this one
    const stale = !mayHoldPrivileges(all);
    if (!stale && mayHoldPrivileges({ business: all.business, groups })) return [];
    updates.push(...PRIVILEGES.map((p) => del(facts.privilege(bn, repId, p))));
    pre.push(...roleUnchanged(bn, repId, all.business.role), ...(await groupAssociationsAsRead(this.kit.store, bn, repId, all, FRESHEST)));
    return all.business.privileges;
  }

  /**
   * A rep with no association at all whose disassociation record remains (its associations went
   * while it was disassociated) is associated anew, active: the record goes in the same write,
   * which requires the rep to hold no association still. As PUT …/employees/{repId} does.
   */
  private async leftoverDisassociation(bn: string, repId: string, all: Associations, updates: RelationshipUpdate[], pre: Precondition[]) {
    if (isAssociated(all) || !all.business.disassociated) return;
    updates.push(del(facts.disassociated(bn, repId)));
    pre.push(...roleUnchanged(bn, repId, undefined), ...(await groupAssociationsAsRead(this.kit.store, bn, repId, all, FRESHEST)));
  }

  /** the groups this client is fenced into within the business (one, or none, as the service writes) */
  private async currentGroups(client: ClientKey, bn: string): Promise<string[]> {
    const a = authorizationObject(client, bn);
    const rels = await collect(this.kit.store.readRelationships({ resourceType: a.type, resourceId: a.id, relation: 'group' }, FRESHEST));
    return rels.map((r) => r.subject.id.slice(bn.length + 1));
  }

  /**
   * Fences clients into the group, all or nothing: one write, with a precondition per client
   * that it has authorized the business (409 otherwise). A client in another group of the
   * business moves. Returns how many were newly assigned.
   */
  async assignClients(ctx: CommandContext, bn: string, groupId: string, clientIds: ClientId[]) {
    const clients = clientIds.map((c) => this.kit.client(c));
    const actorPre = await this.allowed(ctx, bn);
    await this.existing(bn, groupId);
    actorPre.push(mustExist(facts.group(bn, groupId)[1]!));
    const keyOf = (c: ClientKey) => `${c.type}:${c.key}`;
    const unique = [...new Map(clients.map((c) => [keyOf(c), c])).values()];
    // name the clients that have not authorized the business (or whose authorization expired)
    const { results } = await this.kit.store.checkBulk(
      unique.map((c) => ({ resource: clientObject(c), permission: 'has_authorized', subject: businessObject(bn) })),
      FRESHEST,
    );
    const unauthorized = new Set(
      results.flatMap((r, i) => {
        if ('error' in r) throw r.error;
        return r.allowed ? [] : [keyOf(unique[i]!)];
      }),
    );
    if (unauthorized.size > 0) {
      if (clients.length === 1) throw new ConflictError(`the client has not authorized business ${bn}`);
      // positions in the caller's list (a repeated client at each of its places)
      const positions = clients.flatMap((c, i) => (unauthorized.has(keyOf(c)) ? [i] : []));
      const shown = positions.slice(0, 10).join(', ') + (positions.length > 10 ? ', …' : '');
      throw new ConflictError(`${unauthorized.size} client(s) have not authorized business ${bn} (positions ${shown})`);
    }
    // The write's preconditions, within the engine's limit per write, in this order: the actor's
    // standing and the group's existence (never left out); each client's group assignment, which
    // must still be the one read (a concurrent fencing into another group would otherwise leave
    // the client in two, reachable by both groups' employees): the groups read still hold it, or
    // it is in none (never left out either: a batch for which they do not all fit is refused
    // whole); then each client's authorization of the business, as many as fit (they were all
    // checked, fully consistent, just above).
    const groupState: Precondition[] = [];
    const authorized: Precondition[] = [];
    const updates: RelationshipUpdate[] = [];
    let created = 0;
    for (const client of unique) {
      const current = await this.currentGroups(client, bn);
      if (!current.includes(groupId)) created++;
      for (const g of current) if (g !== groupId) updates.push(del(facts.clientInGroup(client, bn, g)));
      updates.push(touch(facts.clientInGroup(client, bn, groupId)));
      const record = authorizationObject(client, bn);
      if (current.length === 0) groupState.push({ operation: 'mustNotMatch', filter: { resourceType: record.type, resourceId: record.id, relation: 'group' } });
      else groupState.push(...current.map((g) => mustExist(facts.clientInGroup(client, bn, g))));
      authorized.push(clientAuthorized(client, bn));
    }
    if (updates.length > MAX_UPDATES_PER_WRITE) {
      throw new ConflictError(`moving these clients takes ${updates.length} changes, over the ${MAX_UPDATES_PER_WRITE} one atomic write allows; send fewer clients`);
    }
    const required = [...actorPre, ...groupState];
    if (required.length > MAX_PRECONDITIONS_PER_WRITE) {
      throw new ConflictError(
        `fencing these ${unique.length} clients takes ${required.length} conditions on the state read, over the ${MAX_PRECONDITIONS_PER_WRITE} one atomic write allows; send at most ${MAX_PRECONDITIONS_PER_WRITE - actorPre.length} clients at once`,
      );
    }
    const pre = [...required, ...authorized].slice(0, MAX_PRECONDITIONS_PER_WRITE);
    const token = await this.kit.write(ctx, 'group.clients.assign', `bn_group:${groupObject(bn, groupId).id}`, updates, pre, {
      after: { assigned: unique.length },
    });
    return { assigned: unique.length, created, token };
  }

  async removeClient(ctx: CommandContext, bn: string, groupId: string, clientId: ClientId) {
    const client = this.kit.client(clientId);
    const pre = await this.allowed(ctx, bn);
    const token = await this.kit.write(ctx, 'group.client.remove', `bn_group:${groupObject(bn, groupId).id}/${client.type}`, [del(facts.clientInGroup(client, bn, groupId))], pre, {
      after: { client: `${client.type}:${client.key}` },
    });
    return { token };
  }
}
