// The check use-cases: "can rep R do P on business B / client C". Input arrives validated
// (identifiers, permission applicable to the target); this turns it into engine queries.
import type { ClientId } from './identifiers.js';
import { businessObject, clientObject, repObject, resolveClient } from './objects.js';
import type { Pseudonymizer } from './pseudonym.js';
import type { AuthzStore, BulkCheckAnswer, CheckAnswer, CheckQuery, Consistency } from './store-port.js';

export type CheckInput =
  | { rep: string; permission: string; business: string }
  | { rep: string; permission: string; client: ClientId };

export class CheckService {
  constructor(
    private readonly store: AuthzStore,
    private readonly pseudonymize: Pseudonymizer,
  ) {}

  toQuery(input: CheckInput): CheckQuery {
    const resource =
      'business' in input ? businessObject(input.business) : clientObject(resolveClient(input.client, this.pseudonymize));
    return { resource, permission: input.permission, subject: repObject(input.rep) };
  }

  check(input: CheckInput, consistency: Consistency): Promise<CheckAnswer> {
    return this.store.check(this.toQuery(input), consistency);
  }

  checkBulk(inputs: CheckInput[], consistency: Consistency): Promise<BulkCheckAnswer> {
    return this.store.checkBulk(
      inputs.map((i) => this.toQuery(i)),
      consistency,
    );
  }
}
