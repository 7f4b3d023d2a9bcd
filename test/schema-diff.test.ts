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
