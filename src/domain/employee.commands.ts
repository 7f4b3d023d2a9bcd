// Employees of a business: associate with a role, change it, delete the association,
// disassociate and re-associate, assign and remove privileges, list. Each command checks the
// actor's permissions (with the escalation guard) before writing, protects the last owner, and
// writes once, with preconditions on the state it read.
import { del, FRESHEST, touch, type AdminKit, type CommandContext } from './admin-kit.js';
import { ConflictError, NotFoundError } from './errors.js';
import { associationPermissions, permissionsToActOn, permissionsToChangeRole, rolesHeld } from './escalation.js';
import * as facts from './facts.js';
import {
  collect,
  groupAssociationsUnchanged,
  isAssociated,
  mayHoldPrivileges,
  mustExist,
  mustNotExist,
  groupAssociationsAsRead,
  groupAssociationsExactly,
  readActiveOwners,
  readAssociations,
  readGroupIds,
  roleUnchanged,
  type Associations,
  type EmployeeState,
} from './firm-state.js';
import { groupObject } from './objects.js';
import { PRIVILEGES, ROLES, type Privilege, type Role } from './permissions.js';
import type { Precondition, RelationshipUpdate } from './store-port.js';

export interface EmployeeView {
  repId: string;
  role: Role | null;
  status: 'active' | 'disassociated';
  privileges: Privilege[];
  groups: Array<{ groupId: string; role: facts.GroupRole }>;
}

/** every role the rep holds in the business (a group `member` holds the business role) is owner or senior_admin */
const holdsEveryPrivilege = (a: Associations): boolean => {
  const roles = rolesHeld(a.business.role, a.groups);
  return roles.length > 0 && roles.every((r) => r === 'owner' || r === 'senior_admin');
};

const view = (s: EmployeeState) => ({ role: s.role ?? null, disassociated: s.disassociated, privileges: s.privileges });

export class EmployeeCommands {
  constructor(private readonly kit: AdminKit) {}

  /**
   * The last owner may not lose the owner role or its reach. Returns preconditions that another
   * owner, in force when read, still is at write time.
   */
  private async anotherOwner(bn: string, repId: string): Promise<Precondition[]> {
    const others = (await readActiveOwners(this.kit.store, bn, FRESHEST)).filter((o) => o !== repId);
    if (others.length === 0) throw new ConflictError(`${repId} is the last owner of business ${bn}; make someone else an owner first`);
    const other = others[0]!;
    return [mustExist(facts.role(bn, other, 'owner')), mustNotExist(facts.disassociated(bn, other))];
  }

  /** PUT: a new association (201) or a role change (200); repeating it changes nothing (200) */
  async put(ctx: CommandContext, bn: string, repId: string, role: Role) {
    const actor = this.kit.repActor(ctx);
    const all = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    const target = all.business;
    const base = target.role ? 'modify_associations' : undefined;
    // giving or changing the business role acts on the employee, which is every role it holds (a
    // BN-group administrator's too: a junior administrator may act on representatives only), and
    // a group `member` takes the business role, so its reach changes with it too
    const needed = permissionsToChangeRole(base, target.role, role);
    needed.push(...rolesHeld(target.role, all.groups).flatMap(associationPermissions));
    const pre = [...(await this.kit.authorizeActor(actor, bn, [...new Set(needed)])), ...this.unchanged(bn, repId, all)];
    if (target.role === 'owner' && role !== 'owner') pre.push(...(await this.anotherOwner(bn, repId)));

    const updates: RelationshipUpdate[] = [];
    if (target.role && target.role !== role) updates.push(del(facts.role(bn, repId, target.role)));
    updates.push(touch(facts.role(bn, repId, role)));
    // the limited role can never hold a privilege: a change to it drops them, in the same write.
    // And privileges found where no association may hold them (none at all, or the limited role
    // only) are left behind (an interrupted clean-up, an import): nobody with assign_privileges
    // gave them to the role this write gives, so they go in it too
    const stale = !mayHoldPrivileges(all) && target.privileges.length > 0;
    const privileges = role === 'junior_rep_limited' || stale ? [] : target.privileges;
    if (role === 'junior_rep_limited' || stale) for (const p of PRIVILEGES) updates.push(del(facts.privilege(bn, repId, p)));
    // a disassociation record with no association left (its group associations went since) is
    // the old employee's: a new one starts associated. While an association remains, the
    // employee is disassociated as a whole, and stays so
    const leftover = !isAssociated(all) && target.disassociated;
    if (leftover) updates.push(del(facts.disassociated(bn, repId)));
    // both decisions rest on the rep's group associations: still those read (or, none read, none
    // in any group of the business: one precondition per group, asked only then)
    if (stale || leftover) pre.push(...(await groupAssociationsAsRead(this.kit.store, bn, repId, all, FRESHEST)));
    const after = { ...target, role, privileges, disassociated: target.disassociated && !leftover };
    const token = await this.kit.write(ctx, 'employee.put', `business:${bn}/rep:${repId}`, updates, pre, {
      before: target.role ? view(target) : null,
      after: view(after),
    });
    return { created: !target.role, employee: { repId, ...view(after) }, token };
  }

  /**
   * DELETE: the employee leaves the business whole: its business association with role,
   * privileges and disassociation record, and its BN-group associations (left behind, a group
   * association would reach again once the disassociation record went). The guard covers every
   * role it holds.
   */
  async delete(ctx: CommandContext, bn: string, repId: string) {
    const actor = this.kit.repActor(ctx);
    const target = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    const role = target.business.role;
    const pre = [...(await this.kit.authorizeActor(actor, bn, permissionsToActOn('modify_associations', rolesHeld(role, target.groups)))), ...this.unchanged(bn, repId, target)];
    if (role === 'owner') pre.push(...(await this.anotherOwner(bn, repId)));
    const updates = [
      ...ROLES.map((r) => del(facts.role(bn, repId, r))),
      ...PRIVILEGES.map((p) => del(facts.privilege(bn, repId, p))),
      del(facts.disassociated(bn, repId)),
      ...target.groups.map((g) => del(facts.groupAssociation(bn, g.groupId, repId, g.role))),
    ];
    const token = await this.kit.write(ctx, 'employee.delete', `business:${bn}/rep:${repId}`, updates, pre, {
      before: isAssociated(target) ? this.viewAll(target) : null,
      after: null,
    });
    return { token };
  }

  /**
   * disassociate (keeps role and privileges, reaches nothing) or re-associate (restores them); an
   * employee associated to BN groups alone is one too (the record is the business's, and ends
   * its group associations' reach)
   */
  async setAssociated(ctx: CommandContext, bn: string, repId: string, associated: boolean) {
    const actor = this.kit.repActor(ctx);
    const target = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    if (!isAssociated(target)) {
      // nothing to act on; the actor must still be allowed to learn that
      await this.kit.authorizeOnBusiness(actor, bn, ['disassociate_employees']);
      throw new NotFoundError(`${repId} is not an employee of business ${bn}`);
    }
    const role = target.business.role;
    const pre = [...(await this.kit.authorizeActor(actor, bn, permissionsToActOn('disassociate_employees', rolesHeld(role, target.groups)))), ...this.unchanged(bn, repId, target)];
    if (!associated && role === 'owner') pre.push(...(await this.anotherOwner(bn, repId)));
    const rel = facts.disassociated(bn, repId);
    const before = target.business;
    const after = { ...before, disassociated: !associated };
    const token = await this.kit.write(
      ctx,
      associated ? 'employee.reassociate' : 'employee.disassociate',
      `business:${bn}/rep:${repId}`,
      [associated ? del(rel) : touch(rel)],
      pre,
      { before: view(before), after: view(after) },
    );
    return { employee: { repId, ...view(after) }, token };
  }

  /** preconditions: the rep's associations (business role, BN groups) are still those read */
  private unchanged(bn: string, repId: string, a: Associations): Precondition[] {
    return [...roleUnchanged(bn, repId, a.business.role), ...groupAssociationsUnchanged(bn, repId, a)];
  }

  private viewAll(a: Associations) {
    return { ...view(a.business), groups: a.groups };
  }

  /** PUT (true) or DELETE (false) a privilege; the limited role can never hold one (409) */
  async setPrivilege(ctx: CommandContext, bn: string, repId: string, privilege: Privilege, held: boolean) {
    const actor = this.kit.repActor(ctx);
    const actorPre = await this.kit.authorizeActor(actor, bn, ['assign_privileges']);
    const all = await readAssociations(this.kit.store, bn, repId, FRESHEST);
    const target = all.business;
    if (held && !isAssociated(all)) throw new NotFoundError(`${repId} is not an employee of business ${bn}`);
    // the business role, or (associated to BN groups alone) every group role, is the limited one
    if (held && !mayHoldPrivileges(all)) throw new ConflictError('junior_rep_limited can never hold a privilege');
    const pre = [...actorPre, ...this.unchanged(bn, repId, all)];
    const had = target.privileges.includes(privilege);
    // Owners and senior administrators hold every privilege (rac-access.md section 2), and a
    // privilege is assigned to an employee who does not already have it (section 4): where every
    // role the employee holds is one of those, it has it already (200), and nothing is written.
    // Stored, it would come into force on a later demotion, which whoever demotes would not see
    // coming. (A business senior administrator with a lower role in a BN group holds privileges
    // there only as assigned: it may be given them.)
    const implied = held && !had && holdsEveryPrivilege(all);
    // which rests on its having no other association than those read (a lower role in a group,
    // given meanwhile, would make the privilege count there): asserted at the write
    if (implied) pre.push(...(await groupAssociationsExactly(this.kit.store, bn, repId, all, FRESHEST)));
    const rel = facts.privilege(bn, repId, privilege);
    const privileges = implied ? target.privileges : held ? [...new Set([...target.privileges, privilege])].sort() : target.privileges.filter((p) => p !== privilege);
    const updates = implied ? [] : [held ? touch(rel) : del(rel)];
    const token = await this.kit.write(ctx, held ? 'privilege.assign' : 'privilege.remove', `business:${bn}/rep:${repId}/${privilege}`, updates, pre, {
      before: { privileges: target.privileges },
      after: { privileges, ...(implied ? { heldThroughRole: true } : {}) },
    });
    return { created: held && !had && !implied, token };
  }

  async list(ctx: CommandContext, bn: string): Promise<EmployeeView[]> {
    await this.kit.authorizeOnBusiness(this.kit.repActor(ctx), bn, ['view_employees'], ctx.consistency);
    const store = this.kit.store;
    const byRep = new Map<string, EmployeeView>();
    const entry = (repId: string) => {
      let e = byRep.get(repId);
      if (!e) byRep.set(repId, (e = { repId, role: null, status: 'active', privileges: [], groups: [] }));
      return e;
    };
    for await (const r of store.readRelationships({ resourceType: 'business', resourceId: bn, subject: { type: 'rep' } }, ctx.consistency)) {
      if (r.subject.id === '*') continue;
      const e = entry(r.subject.id);
      if ((ROLES as readonly string[]).includes(r.relation)) e.role = r.relation as Role;
      else if (r.relation === 'disassociated') e.status = 'disassociated';
      else if ((PRIVILEGES as readonly string[]).includes(r.relation)) e.privileges.push(r.relation as Privilege);
    }
    for (const groupId of await readGroupIds(store, bn, ctx.consistency)) {
      const g = groupObject(bn, groupId);
      const rels = await collect(store.readRelationships({ resourceType: g.type, resourceId: g.id, subject: { type: 'rep' } }, ctx.consistency));
      for (const r of rels) if (r.subject.id !== '*') entry(r.subject.id).groups.push({ groupId, role: r.relation as facts.GroupRole });
    }
    return [...byRep.values()].sort((a, b) => a.repId.localeCompare(b.repId)).map((e) => ({ ...e, privileges: e.privileges.sort() }));
  }
}
