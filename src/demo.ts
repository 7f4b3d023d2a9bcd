// The demo firm: a small registered business with every role, a BN group and a few clients,
// seeded straight into the store at start (`npm run demo`), and three example checks to try.
import * as facts from './domain/facts.js';
import { resolveClient } from './domain/objects.js';
import type { Pseudonymizer } from './domain/pseudonym.js';
import type { AuthzStore, Relationship } from './domain/store-port.js';

export const DEMO = {
  bn: '123456789',
  owner: 'OWNER01',
  seniorAdmin: 'SADMIN1',
  juniorAdmin: 'JADMIN1',
  seniorRep: 'SREP001',
  juniorRep: 'JREP001',
  limited: 'LIMIT01',
  group: 'payroll',
  individualSin: '046454286',
  businessClient: '987654321',
  trust: 'T12345678',
} as const;

export async function seedDemo(store: AuthzStore, pseudonymize: Pseudonymizer): Promise<string> {
  const d = DEMO;
  const individual = resolveClient({ type: 'individual', sin: d.individualSin }, pseudonymize);
  const business = resolveClient({ type: 'business', bn: d.businessClient }, pseudonymize);
  const trust = resolveClient({ type: 'trust', trustNumber: d.trust }, pseudonymize);
  const rels: Relationship[] = [
    facts.registered(d.bn),
    facts.role(d.bn, d.owner, 'owner'),
    facts.role(d.bn, d.seniorAdmin, 'senior_admin'),
    facts.role(d.bn, d.juniorAdmin, 'junior_admin'),
    facts.role(d.bn, d.seniorRep, 'senior_rep'),
    facts.privilege(d.bn, d.seniorRep, 'individual_clients'),
    facts.role(d.bn, d.juniorRep, 'junior_rep'),
    facts.role(d.bn, d.limited, 'junior_rep_limited'),
    ...facts.group(d.bn, d.group),
    facts.groupAssociation(d.bn, d.group, d.juniorRep, 'member'),
    ...facts.businessAuthorization(individual, d.bn, 2),
    ...facts.businessAuthorization(business, d.bn, 2),
    facts.clientInGroup(business, d.bn, d.group),
    ...facts.businessAuthorization(trust, d.bn, 1, new Date(Date.now() + 365 * 86400_000)),
  ];
  const { token } = await store.write(rels.map((relationship) => ({ operation: 'touch', relationship })));
  return token;
}

/** The text printed after the demo starts: what was seeded and three checks to try. */
export function demoInstructions(baseUrl: string, apiKey: string): string {
  const d = DEMO;
  const curl = (body: object) =>
    `curl -s -X POST ${baseUrl}/v1/check -H 'Authorization: Bearer ${apiKey}' -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify(body)}'`;
  return [
    '',
    `Demo firm ${d.bn}: owner ${d.owner}, senior admin ${d.seniorAdmin}, junior admin ${d.juniorAdmin},`,
    `senior rep ${d.seniorRep} (individual_clients privilege), junior rep ${d.juniorRep} (member of BN group "${d.group}"),`,
    `limited rep ${d.limited}. Clients: individual SIN ${d.individualSin} (level 2), business ${d.businessClient}`,
    `(level 2, fenced into group "${d.group}"), trust ${d.trust} (level 1, expires in a year).`,
    '',
    `# true: a senior rep views an individual client of the firm`,
    curl({ rep: d.seniorRep, permission: 'view', client: { type: 'individual', id: d.individualSin } }),
    '',
    `# false: junior representatives are view-only, so no update`,
    curl({ rep: d.juniorRep, permission: 'update', client: { type: 'individual', id: d.individualSin } }),
    '',
    `# false because of the group: the business client is fenced into "${d.group}" and ${d.seniorRep} is not a member`,
    curl({ rep: d.seniorRep, permission: 'view', client: { type: 'business', id: d.businessClient } }),
    '',
    `# (and true for ${d.juniorRep}, who is a member of the group)`,
    curl({ rep: d.juniorRep, permission: 'view', client: { type: 'business', id: d.businessClient } }),
    '',
  ].join('\n');
}
