// Benchmark fixtures: a realistic firm (one business, ~300 employees across roles, privileges and
// BN groups, 3000 clients of all three types, some fenced into groups) as relationships, and a
// deck of varied check bodies over it. Deterministic (seeded), so runs compare.
import * as facts from '../../src/domain/facts.js';
import { resolveClient, type ClientKey } from '../../src/domain/objects.js';
import type { Pseudonymizer } from '../../src/domain/pseudonym.js';
import { PRIVILEGES, type Role } from '../../src/domain/permissions.js';
import type { Relationship } from '../../src/domain/store-port.js';

/** a small deterministic PRNG (mulberry32) */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** a Luhn-valid SIN built from 8 digits */
export function sinFrom(n: number): string {
  const body = String(n).padStart(8, '0');
  for (let d = 0; d <= 9; d++) {
    const s = body + d;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let v = s.charCodeAt(8 - i) - 48;
      if (i % 2 === 1) {
        v *= 2;
        if (v > 9) v -= 9;
      }
      sum += v;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

export interface FirmSpec {
  bn: string;
  employees: Array<{ repId: string; role: Role }>;
  clients: Array<{ type: 'individual' | 'business' | 'trust'; id: string }>;
}

const ROLE_MIX: Array<[Role, number]> = [
  ['owner', 2],
  ['senior_admin', 10],
  ['junior_admin', 20],
  ['senior_rep', 120],
  ['junior_rep', 120],
  ['junior_rep_limited', 30],
];

/** one firm: its employees, clients, and every relationship that states them */
export function firm(bn: string, seed: number, pseudonymize: Pseudonymizer, clientsPerType = 1000, groups = 10): { spec: FirmSpec; relationships: Relationship[] } {
  const rand = rng(seed);
  const rels: Relationship[] = [facts.registered(bn)];
  const employees: FirmSpec['employees'] = [];
  let n = 0;
  const prefix = bn.slice(-3);
  for (const [role, count] of ROLE_MIX) {
    for (let i = 0; i < count; i++) {
      const repId = `E${prefix}${String(n++).padStart(3, '0')}`;
      employees.push({ repId, role });
      rels.push(facts.role(bn, repId, role));
      if (role !== 'junior_rep_limited' && role !== 'owner' && role !== 'senior_admin') {
        for (const p of PRIVILEGES) if (rand() < 0.35) rels.push(facts.privilege(bn, repId, p));
      }
      if (rand() < 0.03) rels.push(facts.disassociated(bn, repId));
    }
  }
  const groupIds = Array.from({ length: groups }, (_, g) => `g${g}`);
  for (const g of groupIds) {
    rels.push(...facts.group(bn, g));
    for (let i = 0; i < 20; i++) {
      const e = employees[Math.floor(rand() * employees.length)]!;
      rels.push(facts.groupAssociation(bn, g, e.repId, rand() < 0.5 ? 'member' : 'senior_rep'));
    }
  }
  const clients: FirmSpec['clients'] = [];
  const base = Number(bn) % 100000;
  for (let i = 0; i < clientsPerType; i++) {
    clients.push({ type: 'individual', id: sinFrom(base * 1000 + i) });
    clients.push({ type: 'business', id: String(100000000 + base * 1000 + i).slice(-9) });
    clients.push({ type: 'trust', id: `T${String(base * 1000 + i).padStart(8, '0')}` });
  }
  for (const c of clients) {
    const key: ClientKey = resolveClient(
      c.type === 'individual' ? { type: 'individual', sin: c.id } : c.type === 'business' ? { type: 'business', bn: c.id } : { type: 'trust', trustNumber: c.id },
      pseudonymize,
    );
    const level = (c.type === 'business' && rand() < 0.1 ? 3 : rand() < 0.6 ? 2 : 1) as 1 | 2 | 3;
    rels.push(...facts.businessAuthorization(key, bn, level, rand() < 0.2 ? new Date(Date.now() + 365 * 86400_000) : undefined));
    if (rand() < 0.1) rels.push(facts.clientInGroup(key, bn, groupIds[Math.floor(rand() * groupIds.length)]!));
  }
  // a relationship may come up twice (a random pick): keep one, as WriteRelationships demands
  const unique = new Map(rels.map((r) => [`${r.resource.type}:${r.resource.id}#${r.relation}@${r.subject.type}:${r.subject.id}`, r]));
  return { spec: { bn, employees, clients }, relationships: [...unique.values()] };
}

const PERMISSIONS = ['view', 'update', 'list', 'view_transactions', 'remove_authorization'];

/** varied single-check bodies over a firm, as callers send them (individuals by SIN) */
export function checkDeck(spec: FirmSpec, count: number, seed: number): object[] {
  const rand = rng(seed);
  return Array.from({ length: count }, () => {
    const e = spec.employees[Math.floor(rand() * spec.employees.length)]!;
    const c = spec.clients[Math.floor(rand() * spec.clients.length)]!;
    return { rep: e.repId, permission: PERMISSIONS[Math.floor(rand() * PERMISSIONS.length)]!, client: c };
  });
}
