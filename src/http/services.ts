// The domain services the routes call, built once per app from the injected store.
import { AdminKit } from '../domain/admin-kit.js';
import type { AuditSink } from '../domain/audit.js';
import { AuthorizationCommands } from '../domain/authorization.commands.js';
import { CheckService } from '../domain/checks.js';
import { EmployeeCommands } from '../domain/employee.commands.js';
import { ExplainService } from '../domain/explain.js';
import { GroupCommands } from '../domain/group.commands.js';
import { LookupService } from '../domain/lookups.js';
import type { Pseudonymizer } from '../domain/pseudonym.js';
import { RegistrationCommands } from '../domain/registration.commands.js';
import type { AuthzStore } from '../domain/store-port.js';

export interface Services {
  checks: CheckService;
  explain: ExplainService;
  registration: RegistrationCommands;
  employees: EmployeeCommands;
  groups: GroupCommands;
  authorizations: AuthorizationCommands;
  lookups: LookupService;
}

export function buildServices(store: AuthzStore, pseudonymize: Pseudonymizer, audit: AuditSink, now?: () => Date): Services {
  const kit = new AdminKit({ store, pseudonymize, audit, ...(now ? { now } : {}) });
  const checks = new CheckService(store, pseudonymize);
  return {
    checks,
    explain: new ExplainService(store, checks),
    registration: new RegistrationCommands(kit),
    employees: new EmployeeCommands(kit),
    groups: new GroupCommands(kit),
    authorizations: new AuthorizationCommands(kit),
    lookups: new LookupService(store, pseudonymize),
  };
}
