// Schema change review: npm run schema:diff lists every permission whose granting paths a change
// opens or closes.
import { describe, expect, it } from '@jest/globals';
import { diffSchemas, parseSchema, pathsOf } from '../src/review/schema-paths.js';
import { schemaText } from './support/store.js';

const current = schemaText();

describe('schema:diff', () => {
  it('reads every permission of schema.zed down to stored relations', () => {
    const defs = parseSchema(current);
    expect([...defs.keys()]).toContain('individual_client');
    for (const [def, d] of defs) {
      for (const perm of d.permissions.keys()) {
        const paths = pathsOf(defs, def, perm);
        expect(paths.length).toBeGreaterThan(0);
        expect(paths.filter((p) => /\((unknown|cycle)\)/.test(p))).toEqual([]);
      }
    }
  });

  it("reads operators with SpiceDB's precedence: + tightest, then &, then - (a - b & c is a - (b & c))", () => {
    const defs = parseSchema('definition u {}\ndefinition d {\n  relation a: u\n  relation b: u\n  relation c: u\n  permission p = a - b & c\n  permission q = a & b - c\n}\n');
    // b and c both sit under the one exclusion in p; in q, only c is excluded
    expect(pathsOf(defs, 'd', 'p')).toEqual(['d#p > d#a@u', 'd#p > -d#b@u', 'd#p > -&d#c@u']);
    expect(pathsOf(defs, 'd', 'q')).toEqual(['d#q > d#a@u', 'd#q > &d#b@u', 'd#q > -d#c@u']);
  });

  it('finds no change between a schema and itself', () => {
    expect(diffSchemas(current, current)).toEqual([]);
  });

  it('names the one permission a one-cell change touches', () => {
    const proposed = current.replace(
      'permission associate_representatives = in_force_admins & is_operating',
      'permission associate_representatives = in_force_senior_admins & is_operating',
    );
    const changes = diffSchemas(current, proposed);
    expect(changes.map((c) => c.permission)).toEqual(['business#associate_representatives']);
    expect(changes[0]!.removed).toContain('business#associate_representatives > business#in_force_admins > business#junior_admin@rep');
  });

  it('shows what dropping the group fence opens, everywhere it reaches', () => {
    const proposed = current.replace(
      'permission reaches_view = (business->reaches_view - group->fence) + group->reaches_view + business->reaches_as_owner',
      'permission reaches_view = business->reaches_view + group->reaches_view + business->reaches_as_owner',
    );
    const changed = diffSchemas(current, proposed).map((c) => c.permission);
    expect(changed).toEqual(
      expect.arrayContaining(['authorization#reaches_view', 'individual_client#view', 'business_client#view', 'trust_client#view']),
    );
    expect(changed).not.toContain('individual_client#update');
  });
});
