// Registration: register a business (the actor becomes its owner), read and rename it, suspend,
// unsuspend and cancel it (rac-access.md section 5, "Registration status").
import { del, FRESHEST, touch, type AdminKit, type CommandContext } from './admin-kit.js';
import { ConflictError, NotFoundError } from './errors.js';
import * as facts from './facts.js';
import { mustExist, mustNotExist, readGroupIds, readRegistration, type RegistrationStatus } from './firm-state.js';
import { nameObject } from './names.js';
import { businessObject, groupObject } from './objects.js';
import { PRIVILEGES, ROLES } from './permissions.js';
import type { Relationship, RelationshipFilter } from './store-port.js';

const nameRel = (bn: string, name: string): Relationship => ({ resource: businessObject(bn), relation: 'name', subject: nameObject(name) });

/** a firm's own relationships, which a cancellation removes: roles, disassociations, privileges, its groups' links */
const FIRM_RELATIONS = [...ROLES, 'disassociated', ...PRIVILEGES, 'group'];

export class RegistrationCommands {
  constructor(private readonly kit: AdminKit) {}

  async register(ctx: CommandContext, bn: string, name: string) {
    const owner = this.kit.repActor(ctx);
    const store = this.kit.store;
    const current = await readRegistration(store, bn, FRESHEST);
    if (current.status === 'active' || current.status === 'suspended') throw new ConflictError(`business ${bn} is already registered`);
    // A BN registering again after a cancellation starts from nothing: finish any clean-up a
    // cancellation left unfinished (idempotent) before writing the new registration. So does one
    // never registered that holds relationships anyway (an import of part of a firm).
    if (current.status === 'cancelled' || current.firmRelationships) {
      try {
        await this.purgeFirm(ctx, bn, 'business.register');
      } catch (err) {
        // another registration landed meanwhile (its own clean-up done first)
        if (err instanceof ConflictError) throw new ConflictError(`business ${bn} is already registered`);
        throw err;
      }
    }
    const updates = [touch(facts.registered(bn)), touch(facts.role(bn, owner, 'owner')), del(facts.suspended(bn)), del(facts.cancelled(bn))];
    const existingName = current.name;
    if (existingName !== undefined && existingName !== name) updates.push(del(nameRel(bn, existingName)));
    updates.push(touch(nameRel(bn, name)));
    const token = await this.kit.write(
      ctx,
      'business.register',
      `business:${bn}`,
      updates,
      [
        mustNotExist(facts.registered(bn)),
        // the firm starts empty: nothing left over from an earlier registration
        ...FIRM_RELATIONS.map((relation) => ({
          operation: 'mustNotMatch' as const,
          filter: { resourceType: 'business', resourceId: bn, relation },
        })),
      ],
      { before: { status: current.status ?? null }, after: { status: 'active', owners: [owner], name } },
    );
    return { bn, name, status: 'active' as const, owners: [owner], token };
  }

  async get(ctx: CommandContext, bn: string) {
    await this.kit.authorizeOnBusiness(this.kit.repActor(ctx), bn, ['update_registration'], ctx.consistency);
    const r = await readRegistration(this.kit.store, bn, ctx.consistency);
    if (!r.status) throw new NotFoundError(`business ${bn} is not registered`);
    return { bn, name: r.name ?? null, status: r.status };
  }

  async rename(ctx: CommandContext, bn: string, name: string) {
    const actor = this.kit.repActor(ctx);
    const pre = await this.kit.authorizeActor(actor, bn, ['update_registration'], () => this.kit.actorStillAllowed(bn, actor, false));
    const r = await readRegistration(this.kit.store, bn, FRESHEST);
    if (!r.status) throw new NotFoundError(`business ${bn} is not registered`);
    const updates = [touch(nameRel(bn, name))];
    if (r.name !== undefined && r.name !== name) {
      updates.unshift(del(nameRel(bn, r.name)));
      pre.push(mustExist(nameRel(bn, r.name)));
    }
    const token = await this.kit.write(ctx, 'business.rename', `business:${bn}`, updates, pre, {
      before: { name: r.name ?? null },
      after: { name },
    });
    return { bn, name, status: r.status, token };
  }

  async setStatus(ctx: CommandContext, bn: string, action: 'suspend' | 'unsuspend' | 'cancel') {
    const actor = this.kit.repActor(ctx);
    const pre = await this.kit.authorizeActor(actor, bn, ['manage_registration'], () => this.kit.actorStillAllowed(bn, actor, false));
    const before = (await readRegistration(this.kit.store, bn, FRESHEST)).status;
    let after: RegistrationStatus;
    let updates;
    if (action === 'suspend') {
      after = 'suspended';
      updates = [touch(facts.suspended(bn))];
    } else if (action === 'unsuspend') {
      after = 'active';
      updates = [del(facts.suspended(bn))];
    } else {
      // First, atomically: the registration ends, so nothing is reachable through the business
      // from this write on. Then the associations, privileges and groups are removed page by
      // page; a firm half-way through is visible as cancelled, never as active.
      after = 'cancelled';
      updates = [del(facts.registered(bn)), del(facts.suspended(bn)), touch(facts.cancelled(bn))];
    }
    const token = await this.kit.write(ctx, `business.${action}`, `business:${bn}`, updates, pre, {
      before: { status: before ?? null },
      after: { status: after },
    });
    if (action === 'cancel') {
      try {
        await this.purgeFirm(ctx, bn, 'business.cancel');
      } catch (err) {
        // the BN registered again meanwhile: that registration finished the clean-up first (it
        // starts only from an empty firm), and what it holds now is not this cancellation's
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return { bn, status: after, token };
  }

  /**
   * removes a (cancelled) firm's associations, privileges and groups; client authorizations stay.
   * Its deletes carry the metadata of the command it finishes (`operation`). Every page is deleted
   * only while the BN is not registered: a registration that lands meanwhile (another one's
   * clean-up done, its owner written) is never undone by this one, which stops with a 409.
   */
  private async purgeFirm(ctx: CommandContext, bn: string, operation: string): Promise<void> {
    const target = `business:${bn}`;
    const unregistered = [mustNotExist(facts.registered(bn))];
    const purge = (filter: RelationshipFilter) => this.kit.cleanUp(ctx, operation, target, filter, unregistered);
    for (const relation of FIRM_RELATIONS) await purge({ resourceType: 'business', resourceId: bn, relation });
    for (const groupId of await readGroupIds(this.kit.store, bn, FRESHEST)) {
      const g = groupObject(bn, groupId);
      await purge({ resourceType: g.type, resourceId: g.id });
      await purge({ resourceType: 'authorization', relation: 'group', subject: { type: g.type, id: g.id } });
    }
  }
}
