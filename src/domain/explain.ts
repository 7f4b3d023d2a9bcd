// Explain a check in the firm's words, from SpiceDB's own answers: the check's debug trace (how
// SpiceDB decided) and the client's authorizations as SpiceDB holds them. No second copy of the
// rules lives here: only how each relation SpiceDB consulted reads in English.
//   allowed: the relationships on the path that grants it;
//   denied:  what SpiceDB found in the way (suspension, disassociation, a group fence) and what
//            it looked for and did not find (a role, a privilege, an authorization of the level).
import type { CheckInput, CheckService } from './checks.js';
import { PRIVILEGES, ROLES } from './permissions.js';
import type { AuthzStore, Consistency, TraceNode } from './store-port.js';

export interface Explanation {
  allowed: boolean;
  because: string[];
  checkedAt: string;
}

const isRole = (n: string) => (ROLES as readonly string[]).includes(n);
const isPrivilege = (n: string) => (PRIVILEGES as readonly string[]).includes(n);

function* walk(n: TraceNode, parents: TraceNode[] = []): Generator<{ node: TraceNode; parents: TraceNode[] }> {
  yield { node: n, parents };
  for (const c of n.children) yield* walk(c, [...parents, n]);
}

/** the BN and group id of a bn_group object id "<BN>_<group>" */
const groupOf = (id: string) => ({ bn: id.slice(0, 9), group: id.slice(10) });
/** the BN of an authorization record id "<type>_<key>_<BN>" */
const bnOfRecord = (id: string) => id.slice(id.lastIndexOf('_') + 1);

interface Grant {
  business?: string;
  rep?: string;
  level: number;
  expiresAt?: Date;
}

export class ExplainService {
  constructor(
    private readonly store: AuthzStore,
    private readonly checks: CheckService,
  ) {}

  private async grantsOf(input: CheckInput, consistency: Consistency): Promise<Grant[]> {
    if (!('client' in input)) return [];
    const client = this.checks.toQuery(input).resource;
    const grants: Grant[] = [];
    for await (const r of this.store.readRelationships({ resourceType: client.type, resourceId: client.id }, consistency)) {
      const m = /^(business|rep)_level_([123])$/.exec(r.relation);
      if (!m) continue;
      const g: Grant = { level: Number(m[2]), ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}) };
      if (m[1] === 'rep') g.rep = r.subject.id;
      else g.business = bnOfRecord(r.subject.id);
      grants.push(g);
    }
    return grants;
  }

  async explain(input: CheckInput, consistency: Consistency): Promise<Explanation> {
    const answer = await this.store.checkWithTrace(this.checks.toQuery(input), consistency);
    // the reasons are read at the revision the answer was computed at, so they describe its state
    const at: Consistency = answer.checkedAt ? { kind: 'atExactSnapshot', token: answer.checkedAt } : consistency;
    const rep = input.rep;
    // Only what concerns the rep: the businesses it holds a role in (or a BN-group association
    // in, as SpiceDB holds them), the business the caller named, and the client's grants to those and to the rep itself.
    // SpiceDB's trace of a client check walks every business the client authorized; naming them,
    // their levels and expiries or their groups would tell a check-scope caller the client's whole
    // list of authorizations, which the API gives the client alone.
    const mine = new Set<string>('business' in input ? [input.business] : []);
    const subject = { type: 'rep', id: rep };
    for await (const r of this.store.readRelationships({ resourceType: 'business', subject }, at)) if (isRole(r.relation)) mine.add(r.resource.id);
    for await (const r of this.store.readRelationships({ resourceType: 'bn_group', subject }, at)) mine.add(groupOf(r.resource.id).bn);
    const grants = (await this.grantsOf(input, at)).filter((g) => (g.rep ? g.rep === rep : mine.has(g.business!)));
    const because = new Set<string>();
    const grantText = (g: Grant) =>
      `${g.business ? `business ${g.business}` : `${g.rep} directly`} at level ${g.level}, ${g.expiresAt ? `until ${g.expiresAt.toISOString()}` : 'with no expiry'}`;
    const trace = answer.trace;
    if (!trace) {
      because.add(answer.allowed ? 'SpiceDB allowed it (no trace was returned)' : 'SpiceDB denied it (no trace was returned)');
      return { allowed: answer.allowed, because: [...because], checkedAt: answer.checkedAt };
    }

    // phrases for the relations SpiceDB consulted
    const said = (n: TraceNode): string | undefined => {
      const { type } = n.resource;
      const has = n.result === 'has';
      // of a batched node, only the objects of the rep's businesses (none: nothing to say)
      const own = n.resource.ids.filter((id) => (type === 'business' ? mine.has(id) : type === 'bn_group' ? mine.has(groupOf(id).bn) : true));
      if (own.length === 0) return undefined;
      const id = own.join(' or ');
      if (type === 'business') {
        if (isRole(n.name)) return has ? `${rep} is ${n.name} of business ${id}` : undefined;
        if (isPrivilege(n.name)) return has ? `${rep} holds the ${n.name} privilege in business ${id}` : `${rep} does not hold the ${n.name} privilege in business ${id}`;
        if (n.name === 'disassociated') return has ? `${rep} is disassociated from business ${id}` : `${rep}'s association with business ${id} is active`;
        if (n.name === 'registered') return has ? `business ${id} is registered` : `business ${id} is not registered (never, or cancelled)`;
        if (n.name === 'suspended') return has ? `the registration of business ${id} is suspended` : `the registration of business ${id} is not suspended`;
      }
      if (type === 'bn_group') {
        const g = { bn: [...new Set(own.map((x) => groupOf(x).bn))].join(' or '), group: own.map((x) => groupOf(x).group).join(' or ') };
        if (n.name === 'fence') return has ? `the client is in BN group ${g.group} of business ${g.bn}` : undefined;
        if (has && (isRole(n.name) || n.name === 'member')) {
          return `${rep} is associated to group ${g.group} of business ${g.bn} ${n.name === 'member' ? 'with its business role' : `as ${n.name}`}`;
        }
      }
      if (n.name.startsWith('rep_level_') && has) return `the client authorized ${rep} directly at level ${n.name.slice(-1)}`;
      return undefined;
    };

    // SpiceDB does not trace under an answer it took from its cache (its dispatch cache is on in a
    // server and in rac-authz's own engine): say so, rather than leave the facts under it unsaid
    const cachedText = (n: TraceNode) =>
      `SpiceDB took ${n.name} of ${n.resource.type} ${n.resource.type === 'business' && n.resource.ids.every((id) => mine.has(id)) ? n.resource.ids.join(' or ') : 'on the path'} from its cache (the facts under it are not listed)`;

    if (answer.allowed) {
      // the granting path: follow what SpiceDB found; an exclusion's absent side is part of the reason
      const visit = (n: TraceNode) => {
        if (n.resource.type === 'authorization' && n.result === 'has') {
          for (const bn of n.resource.ids.map(bnOfRecord)) for (const g of grants.filter((x) => x.business === bn)) because.add(`the client authorized ${grantText(g)}`);
        }
        const phrase = said(n);
        if (phrase && (n.result === 'has' || ['disassociated', 'suspended'].includes(n.name))) because.add(phrase);
        if (n.cached && n.result === 'has' && !phrase) because.add(cachedText(n));
        if (n.name === 'fence' && n.result === 'no') because.add('the client is in no BN group of the business');
        if (n.result === 'has') for (const c of n.children) visit(c);
      };
      visit(trace);
    } else {
      // what stood in the way
      for (const { node } of walk(trace)) {
        if (node.resource.type === 'authorization') {
          for (const bn of node.resource.ids.map(bnOfRecord)) for (const g of grants.filter((x) => x.business === bn)) because.add(`the client authorized ${grantText(g)}`);
        }
        const phrase = said(node);
        if (!phrase) continue;
        const blocking = node.result === 'has' && ['disassociated', 'suspended', 'fence'].includes(node.name);
        const found = node.result === 'has' && (isRole(node.name) || node.name === 'member' || node.name === 'registered');
        const missing = node.result === 'no' && (isPrivilege(node.name) || node.name === 'registered');
        if (blocking || found || missing) because.add(phrase);
      }
      // a role consulted and not held anywhere in a business
      const businesses = new Set([...walk(trace)].filter(({ node }) => node.resource.type === 'business').flatMap(({ node }) => node.resource.ids.filter((id) => mine.has(id))));
      for (const bn of businesses) {
        const roleNodes = [...walk(trace)].filter(({ node }) => node.resource.type === 'business' && node.resource.ids.includes(bn) && isRole(node.name));
        if (roleNodes.length > 0 && roleNodes.every(({ node }) => node.result !== 'has')) because.add(`${rep} holds no role in business ${bn} that grants ${input.permission}`);
        else if (roleNodes.some(({ node }) => node.result === 'has')) because.add(`that role does not grant ${input.permission} here`);
      }
      if ('client' in input) {
        if (grants.length === 0) {
          because.add(
            mine.size === 0
              ? `the client has no authorization in force of ${rep} directly, and ${rep} holds no role in a business the client authorized`
              : `the client has no authorization in force (none given, or expired) of ${rep} directly or of a business where ${rep} holds a role`,
          );
        }
        // which levels the permission asked for: the levels of the RepID grants SpiceDB consulted
        const levels = trace.children.filter((c) => c.name.startsWith('rep_level_')).map((c) => Number(c.name.slice(-1)));
        const low = grants.filter((g) => !levels.includes(g.level));
        if (levels.length > 0 && low.length > 0) {
          for (const g of low) because.add(`the authorization of ${g.business ? `business ${g.business}` : g.rep} is level ${g.level}; ${input.permission} needs level ${Math.min(...levels)}`);
        }
      }
    }
    return { allowed: answer.allowed, because: [...because], checkedAt: answer.checkedAt };
  }
}
