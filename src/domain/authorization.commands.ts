// Client authorizations: a client authorizes a business (by BN) or a representative (by RepID)
// at a level, optionally until an expiry; removes it; lists its own. A representative may submit
// a request, pending until the client confirms it and lapsing after 14 days (SpiceDB
// expiration, no timer). Levels are exclusive: setting one removes the others, in one write.
import { sameClient } from './actor.js';
import { del, FRESHEST, touch, type AdminKit, type CommandContext } from './admin-kit.js';
import { ForbiddenActorError, InvalidRequestError, NotFoundError } from './errors.js';
import * as facts from './facts.js';
import { collect, mustExist, mustNotExist } from './firm-state.js';
import type { ClientId } from './identifiers.js';
import { authorizationObject, clientObject, type ClientKey } from './objects.js';
import type { Precondition, Relationship, RelationshipUpdate } from './store-port.js';

export const REQUEST_LIFETIME_MS = 14 * 24 * 3600_000;

export type Representative = { business: string } | { rep: string };
export type Level = facts.Level;

export interface AuthorizationView {
  client: { type: ClientKey['type']; ref: string };
  representative: Representative;
  level: Level;
  expiresAt: string | null;
}

const levelsOf = (client: ClientKey): Level[] => (client.type === 'business' ? [1, 2, 3] : [1, 2]);
const clientRef = (c: ClientKey) => ({ type: c.type, ref: c.key });

/** the relationship that records an authorization of `rep` at `level` */
function grant(client: ClientKey, rep: Representative, level: Level, expiresAt?: Date): Relationship {
  if ('rep' in rep) return facts.repAuthorization(client, rep.rep, level, expiresAt);
  return facts.businessAuthorization(client, rep.business, level, expiresAt)[1]!;
}
/** a levelled edge as the audit shows it: its level and expiry */
const levelOf = (r: Relationship) => ({ level: Number(r.relation.slice(-1)), expiresAt: r.expiresAt?.toISOString() ?? null });
const sameGrant = (a: Relationship, b: Relationship) =>
  a.relation === b.relation && a.subject.type === b.subject.type && a.subject.id === b.subject.id;

export class AuthorizationCommands {
  constructor(private readonly kit: AdminKit) {}

  private requireClient(ctx: CommandContext, client: ClientKey): void {
    const actor = ctx.actor;
    if (actor.kind !== 'client' || !sameClient(this.kit.client(actor.client), client)) {
      throw new ForbiddenActorError('only the client itself (RAC-Actor: client:<type>:<id>) may do this');
    }
  }

  private validate(client: ClientKey, level: Level, expiresAt?: Date): void {
    if (!levelsOf(client).includes(level)) {
      throw new InvalidRequestError('Level 3 (delegated authority) is for business clients only.', [
        { path: 'level', message: `must be one of ${levelsOf(client).join(', ')} for ${client.type} clients` },
      ]);
    }
    if (expiresAt && expiresAt.getTime() <= this.kit.now().getTime()) {
      throw new InvalidRequestError('The expiry is in the past.', [{ path: 'expiresAt', message: 'must be in the future' }]);
    }
  }

  /** the client's current grants to this representative, one per level at most */
  private async current(client: ClientKey, rep: Representative): Promise<Relationship[]> {
    const c = clientObject(client);
    const subject = 'rep' in rep ? { type: 'rep', id: rep.rep } : authorizationObject(client, rep.business);
    return collect(
      this.kit.store.readRelationships({ resourceType: c.type, resourceId: c.id, subject: { type: subject.type, id: subject.id } }, FRESHEST),
    );
  }

  /** the levelled edge replaced in one write, with preconditions that no other change slipped in */
  private setLevel(client: ClientKey, rep: Representative, level: Level, expiresAt: Date | undefined, existing: Relationship[]) {
    const wanted = grant(client, rep, level, expiresAt);
    const updates: RelationshipUpdate[] = [];
    const pre: Precondition[] = [];
    for (const l of levelsOf(client)) {
      const r = grant(client, rep, l);
      const present = existing.some((e) => sameGrant(e, r));
      pre.push(present ? mustExist(r) : mustNotExist(r));
      if (l !== level && present) updates.push(del(r));
    }
    updates.push(touch(wanted));
    if ('business' in rep) {
      updates.push(touch(facts.businessAuthorization(client, rep.business, level)[0]!));
      // an authorization supersedes any pending request of that business
      for (const l of levelsOf(client)) updates.push(del(facts.pendingRequest(client, rep.business, l, new Date(0))));
    }
    return { updates, pre };
  }

  private view(client: ClientKey, rep: Representative, level: Level, expiresAt?: Date): AuthorizationView {
    return { client: clientRef(client), representative: rep, level, expiresAt: expiresAt ? expiresAt.toISOString() : null };
  }

  async put(ctx: CommandContext, clientId: ClientId, rep: Representative, level: Level, expiresAt?: Date) {
    const client = this.kit.client(clientId);
    this.requireClient(ctx, client);
    this.validate(client, level, expiresAt);
    const existing = await this.current(client, rep);
    const { updates, pre } = this.setLevel(client, rep, level, expiresAt, existing);
    const before = existing[0] ? levelOf(existing[0]) : null;
    const target = 'rep' in rep ? `${client.type}:${client.key}/rep:${rep.rep}` : `${client.type}:${client.key}/business:${rep.business}`;
    const token = await this.kit.write(ctx, 'authorization.put', target, updates, pre, {
      before,
      after: { level, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { created: existing.length === 0, authorization: this.view(client, rep, level, expiresAt), token };
  }

  async remove(ctx: CommandContext, clientId: ClientId, rep: Representative) {
    const client = this.kit.client(clientId);
    // the business's authorization record goes with it, and with it any BN-group assignment
    const a = 'business' in rep ? authorizationObject(client, rep.business) : undefined;
    const record = a ? await collect(this.kit.store.readRelationships({ resourceType: a.type, resourceId: a.id }, FRESHEST)) : [];
    const pre: Precondition[] = [];
    if (ctx.actor.kind === 'rep') {
      const actor = ctx.actor.repId;
      if ('business' in rep) {
        // Decided in that business alone: the privilege for the client's type (owners and senior
        // administrators always), through that business's own reach of this client (role in force,
        // registration active, the BN-group fence): the authorization record's permission, not
        // the client's, which any other firm or a RepID authorization can grant. What the reach
        // rests on (the actor's standing, the record's group) is read before the check and
        // asserted at the write: a revocation before the check fails the check, one after it the
        // write.
        const own = authorizationObject(client, rep.business);
        pre.push(...(await this.kit.reachUnchanged(rep.business, actor)), ...record.map(mustExist));
        if (!record.some((r) => r.relation === 'group')) pre.push({ operation: 'mustNotMatch', filter: { resourceType: own.type, resourceId: own.id, relation: 'group' } });
        await this.kit.authorizeOn(actor, own, `reaches_${client.type}_privileged`, `the client's authorization of ${rep.business}`);
      } else {
        // a representative removes its own RepID authorization [decided]
        await this.kit.authorizeOnClient(actor, client, 'remove_authorization');
        if (rep.rep !== actor) throw new ForbiddenActorError("a representative may remove only its own RepID's authorization");
      }
    } else {
      this.requireClient(ctx, client);
    }
    const existing = await this.current(client, rep);
    const updates: RelationshipUpdate[] = [...levelsOf(client).map((l) => del(grant(client, rep, l))), ...record.map(del)];
    const target = 'rep' in rep ? `${client.type}:${client.key}/rep:${rep.rep}` : `${client.type}:${client.key}/business:${rep.business}`;
    const token = await this.kit.write(ctx, 'authorization.remove', target, updates, pre, {
      before: existing[0] ? { level: Number(existing[0].relation.slice(-1)) } : null,
      after: null,
    });
    return { token };
  }

  async list(ctx: CommandContext, clientId: ClientId) {
    const client = this.kit.client(clientId);
    this.requireClient(ctx, client);
    const c = clientObject(client);
    const authorizations: AuthorizationView[] = [];
    const pendingRequests: Array<{ business: string; level: Level; expiresAt: string | null }> = [];
    for await (const r of this.kit.store.readRelationships({ resourceType: c.type, resourceId: c.id }, ctx.consistency)) {
      const m = /^(business|rep|pending)_level_([123])$/.exec(r.relation);
      if (!m) continue;
      const level = Number(m[2]) as Level;
      if (m[1] === 'pending') {
        pendingRequests.push({ business: r.subject.id, level, expiresAt: r.expiresAt?.toISOString() ?? null });
      } else {
        const rep: Representative = m[1] === 'rep' ? { rep: r.subject.id } : { business: r.subject.id.slice(r.subject.id.lastIndexOf('_') + 1) };
        authorizations.push(this.view(client, rep, level, r.expiresAt));
      }
    }
    return { client: clientRef(client), authorizations, pendingRequests };
  }

  /** a representative's request, pending until the client confirms; it lapses after 14 days */
  async request(ctx: CommandContext, bn: string, clientId: ClientId, level: Level) {
    const client = this.kit.client(clientId);
    const actor = this.kit.repActor(ctx);
    this.validate(client, level);
    const pre = await this.kit.authorizeActor(actor, bn, ['request_authorization'], () => this.kit.actorStillAssociated(bn, actor));
    const expiresAt = new Date(this.kit.now().getTime() + REQUEST_LIFETIME_MS);
    const updates = levelsOf(client)
      .filter((l) => l !== level)
      .map((l) => del(facts.pendingRequest(client, bn, l, expiresAt)));
    updates.push(touch(facts.pendingRequest(client, bn, level, expiresAt)));
    const token = await this.kit.write(ctx, 'authorization.request', `${client.type}:${client.key}/business:${bn}`, updates, pre, {
      after: { status: 'pending', level, expiresAt: expiresAt.toISOString() },
    });
    return { status: 'pending' as const, client: clientRef(client), business: bn, level, expiresAt: expiresAt.toISOString(), token };
  }

  /** the client confirms a pending request: it becomes an authorization at the requested level */
  async confirm(ctx: CommandContext, clientId: ClientId, bn: string) {
    const client = this.kit.client(clientId);
    this.requireClient(ctx, client);
    const c = clientObject(client);
    const pending = await collect(
      this.kit.store.readRelationships({ resourceType: c.type, resourceId: c.id, subject: { type: 'business', id: bn } }, FRESHEST),
    );
    const now = this.kit.now().getTime();
    const live = pending.find((r) => r.relation.startsWith('pending_level_') && (!r.expiresAt || r.expiresAt.getTime() > now));
    if (!live) throw new NotFoundError(`no pending request of business ${bn} for this client (none, or it lapsed)`);
    const level = Number(live.relation.slice(-1)) as Level;
    const rep = { business: bn };
    const existing = await this.current(client, rep);
    // a request carries no expiry: confirming it changes the level, not the date the client set
    // on an authorization of that business still in force (it would otherwise never end)
    const expiresAt = existing.map((e) => e.expiresAt).find((d) => d !== undefined && d.getTime() > now);
    const { updates, pre } = this.setLevel(client, rep, level, expiresAt, existing);
    pre.push(mustExist(live));
    const token = await this.kit.write(ctx, 'authorization.confirm', `${client.type}:${client.key}/business:${bn}`, updates, pre, {
      before: { status: 'pending', level, ...(existing[0] ? { authorization: levelOf(existing[0]) } : {}) },
      after: { level, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { authorization: this.view(client, rep, level, expiresAt), token };
  }
}
