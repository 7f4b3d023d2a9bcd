// What every admin command shares: who the actor is, checking its permissions in SpiceDB before
// anything is written, the preconditions that keep those permissions true at write time, and
// the one atomic write per command with its transaction metadata and audit event.
import { actorLabel, type Actor } from './actor.js';
import type { AuditSink } from './audit.js';
import { ForbiddenActorError } from './errors.js';
import * as facts from './facts.js';
import { groupAssociationsUnchanged, mustExist, mustNotExist, readAssociations, readEmployee, readGroup, readLinkedGroupIds, roleUnchanged } from './firm-state.js';
import { businessObject, clientObject, repObject, resolveClient, type ClientKey } from './objects.js';
import type { BusinessFunction } from './permissions.js';
import type { ClientId } from './identifiers.js';
import type { Pseudonymizer } from './pseudonym.js';
import type { AuthzStore, Consistency, ObjectRef, Precondition, RelationshipFilter, RelationshipUpdate } from './store-port.js';

export interface CommandContext {
  actor: Actor;
  requestId: string;
  /** for reads and checks of read operations; writes always decide on the newest state */
  consistency: Consistency;
}

export interface AdminDeps {
  store: AuthzStore;
  pseudonymize: Pseudonymizer;
  audit: AuditSink;
  now?: () => Date;
}

export const FRESHEST: Consistency = { kind: 'fullyConsistent' };

export class AdminKit {
  readonly store: AuthzStore;
  readonly pseudonymize: Pseudonymizer;
  readonly now: () => Date;
  private readonly audit: AuditSink;

  constructor(deps: AdminDeps) {
    this.store = deps.store;
    this.pseudonymize = deps.pseudonymize;
    this.audit = deps.audit;
    this.now = deps.now ?? (() => new Date());
  }

  /** the client as SpiceDB knows it: an individual's SIN becomes its pseudonym here, in the domain */
  client(id: ClientId): ClientKey {
    return resolveClient(id, this.pseudonymize);
  }

  /** the actor's RepID; a client actor may not perform employee operations */
  repActor(ctx: CommandContext): string {
    if (ctx.actor.kind !== 'rep') throw new ForbiddenActorError('this operation is performed by a representative (RAC-Actor: rep:<RepID>)');
    return ctx.actor.repId;
  }

  /** throws ForbiddenActorError unless the rep holds every listed business function on the business */
  async authorizeOnBusiness(repId: string, bn: string, permissions: BusinessFunction[], consistency: Consistency = FRESHEST): Promise<void> {
    // asking nothing would allow without SpiceDB's word: a caller's mistake, refused (fail closed)
    if (permissions.length === 0) throw new Error('authorizeOnBusiness: no permission to check');
    const { results } = await this.store.checkBulk(
      permissions.map((permission) => ({ resource: businessObject(bn), permission, subject: repObject(repId) })),
      consistency,
    );
    const missing = permissions.filter((_, i) => {
      const r = results[i]!;
      if ('error' in r) throw r.error;
      return !r.allowed;
    });
    if (missing.length > 0) throw new ForbiddenActorError(`the actor lacks ${missing.join(', ')} on business ${bn}`);
  }

  /**
   * Authorizes the actor on the business and returns the preconditions that keep what the check
   * saw true at write time (by default actorStillAllowed's). The actor's state is read BEFORE the
   * check: read after it, a demotion landing between the two would be taken as the state to keep,
   * and the write would go through on the lower role. Read before, a change after the read fails
   * the write's preconditions (409), and one before it is what the check sees.
   */
  async authorizeActor(
    repId: string,
    bn: string,
    permissions: BusinessFunction[],
    state: () => Promise<Precondition[]> = () => this.actorStillAllowed(bn, repId),
  ): Promise<Precondition[]> {
    // a state that refuses the actor (not an employee) answers after the check, which names
    // the missing functions first
    const read = await state().then(
      (pre) => ({ pre }),
      (err: unknown) => {
        if (err instanceof ForbiddenActorError) return { refused: err };
        throw err;
      },
    );
    await this.authorizeOnBusiness(repId, bn, permissions);
    if ('refused' in read) throw read.refused;
    return read.pre;
  }

  /** throws ForbiddenActorError unless the rep holds the permission on the client */
  async authorizeOnClient(repId: string, client: ClientKey, permission: string, consistency: Consistency = FRESHEST): Promise<void> {
    await this.authorizeOn(repId, clientObject(client), permission, 'the client', consistency);
  }

  /** throws ForbiddenActorError (naming `what`) unless the rep holds the permission on the object */
  async authorizeOn(repId: string, resource: ObjectRef, permission: string, what: string, consistency: Consistency = FRESHEST): Promise<void> {
    const { allowed } = await this.store.check({ resource, permission, subject: repObject(repId) }, consistency);
    if (!allowed) throw new ForbiddenActorError(`the actor lacks ${permission} on ${what}`);
  }

  /**
   * Preconditions that the acting employee still holds the role it had when it was authorized,
   * is not disassociated, and (when `operating`) that the registration is still active: a
   * permission revoked between the check and the write makes the write fail.
   */
  async actorStillAllowed(bn: string, repId: string, operating = true): Promise<Precondition[]> {
    const actor = await readEmployee(this.store, bn, repId, FRESHEST);
    if (!actor.role) throw new ForbiddenActorError(`the actor is not an employee of business ${bn}`);
    const pre = [mustExist(facts.role(bn, repId, actor.role)), mustNotExist(facts.disassociated(bn, repId))];
    pre.push(mustExist(facts.registered(bn)));
    if (operating) pre.push(mustNotExist(facts.suspended(bn)));
    return pre;
  }

  /**
   * Preconditions that keep request_authorization true at write time, which any association in
   * force grants: the business association's (actorStillAllowed) when the actor holds one; else
   * its associations with a role of their own (a `member` association is worth nothing without a
   * business role) in the business's linked, existing BN groups, with those groups' links and fences.
   */
  async actorStillAssociated(bn: string, repId: string): Promise<Precondition[]> {
    const a = await readAssociations(this.store, bn, repId, FRESHEST);
    if (a.business.role) return this.actorStillAllowed(bn, repId);
    const linked = new Set(await readLinkedGroupIds(this.store, bn, FRESHEST));
    const groups = [];
    for (const g of a.groups) {
      // a group grants while its fence stands: one left behind without it (an import) is ignored
      if (g.role !== 'member' && linked.has(g.groupId) && (await readGroup(this.store, bn, g.groupId, FRESHEST)).exists) groups.push(g);
    }
    if (groups.length === 0) throw new ForbiddenActorError(`the actor is not associated to business ${bn}`);
    return [
      ...groupAssociationsUnchanged(bn, repId, { ...a, groups }),
      ...groups.flatMap((g) => facts.group(bn, g.groupId).map(mustExist)),
      mustNotExist(facts.disassociated(bn, repId)),
      mustExist(facts.registered(bn)),
      mustNotExist(facts.suspended(bn)),
    ];
  }

  /**
   * Preconditions that what a representative's reach through the business rests on is still what
   * it is now: its associations (business role, BN groups), the groups those associations reach
   * through (fence and business link, for each group that stands now: a group deleted meanwhile
   * takes that reach away), its privileges, not disassociated, the registration active. For a
   * command decided on a client permission (which a group association may give too) rather than
   * on a business function (actorStillAllowed).
   */
  async reachUnchanged(bn: string, repId: string): Promise<Precondition[]> {
    const a = await readAssociations(this.store, bn, repId, FRESHEST);
    const linked = a.groups.length > 0 ? new Set(await readLinkedGroupIds(this.store, bn, FRESHEST)) : new Set<string>();
    const standing: string[] = [];
    for (const g of a.groups) {
      if (linked.has(g.groupId) && (await readGroup(this.store, bn, g.groupId, FRESHEST)).exists) standing.push(g.groupId);
    }
    return [
      ...roleUnchanged(bn, repId, a.business.role),
      ...groupAssociationsUnchanged(bn, repId, a),
      ...standing.flatMap((g) => facts.group(bn, g).map(mustExist)),
      ...a.business.privileges.map((p) => mustExist(facts.privilege(bn, repId, p))),
      mustNotExist(facts.disassociated(bn, repId)),
      mustExist(facts.registered(bn)),
      mustNotExist(facts.suspended(bn)),
    ];
  }

  /** one atomic WriteRelationships with metadata, then one audit event; returns the ZedToken */
  async write(
    ctx: CommandContext,
    operation: string,
    target: string,
    updates: RelationshipUpdate[],
    preconditions: Precondition[],
    change: { before?: unknown; after?: unknown } = {},
  ): Promise<string> {
    const actor = actorLabel(ctx.actor, this.pseudonymize);
    const { token } = await this.store.write(updates, {
      preconditions,
      metadata: { actor, operation, target, request_id: ctx.requestId },
    });
    this.audit.record({ actor, operation, target, ...change, consistencyToken: token, requestId: ctx.requestId });
    return token;
  }

  /**
   * A command's clean-up after its atomic write (which already took the effect away): deletes what
   * `filter` matches, page by page, each page tagged like the command's write (actor, operation,
   * target, request id). Not audited on its own: the command's write is.
   */
  async cleanUp(ctx: CommandContext, operation: string, target: string, filter: RelationshipFilter, preconditions?: Precondition[]): Promise<void> {
    const actor = actorLabel(ctx.actor, this.pseudonymize);
    await this.store.deleteRelationships(filter, { metadata: { actor, operation, target, request_id: ctx.requestId }, ...(preconditions ? { preconditions } : {}) });
  }
}

export const touch = (relationship: RelationshipUpdate['relationship']): RelationshipUpdate => ({ operation: 'touch', relationship });
export const del = (relationship: RelationshipUpdate['relationship']): RelationshipUpdate => ({ operation: 'delete', relationship });
