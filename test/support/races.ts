// Test support: the app over a store whose write and bulk check can be raced. A test sets
// `meanwhile` to run once just before the next write of operation `raced` reaches the store, or
// `afterCheck` to run once just after the next bulk check (an admin command's permission check)
// is answered: a revocation, a demotion or a second command landing in that window.
import type { CheckQuery, Consistency, DeleteOptions, RelationshipFilter, RelationshipUpdate, WriteOptions } from '../../src/domain/store-port.js';
import { Api } from './api.js';
import { startTestApp, type TestApp } from './app.js';
import { openTestStore, overriding } from './store.js';

export interface Races {
  /** runs once, just before the next write of operation `raced` reaches the store */
  meanwhile?: () => Promise<void>;
  raced: string;
  /** runs once, just after the next bulk check is answered */
  afterCheck?: () => Promise<void>;
  /** runs once, just before the next delete (a clean-up page) of operation `raced` reaches the store */
  beforeDelete?: () => Promise<void>;
}

export async function startRacingApp(raced = ''): Promise<{ t: TestApp; api: Api; races: Races }> {
  const races: Races = { raced };
  const raw = await openTestStore();
  const write = async (updates: RelationshipUpdate[], options?: WriteOptions) => {
    const run = options?.metadata?.operation === races.raced ? races.meanwhile : undefined;
    if (run) {
      races.meanwhile = undefined;
      await run();
    }
    return raw.write(updates, options);
  };
  const checkBulk = async (queries: CheckQuery[], consistency: Consistency) => {
    const answer = await raw.checkBulk(queries, consistency);
    const run = races.afterCheck;
    if (run) {
      races.afterCheck = undefined;
      await run();
    }
    return answer;
  };
  const deleteRelationships = async (filter: RelationshipFilter, options?: DeleteOptions) => {
    const run = options?.metadata?.operation === races.raced ? races.beforeDelete : undefined;
    if (run) {
      races.beforeDelete = undefined;
      await run();
    }
    return raw.deleteRelationships(filter, options);
  };
  // the store as it is, its write delayed by what happens meanwhile, its check's answer too
  const t = await startTestApp({ store: overriding(raw, { write, checkBulk, deleteRelationships }) });
  return { t, api: new Api(t.app), races };
}
