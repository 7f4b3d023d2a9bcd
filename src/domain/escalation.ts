// The escalation guard (rac-access.md section 3): an actor may only give, change or take away a
// role it may associate. Which business function lets an actor associate each role:
//   representatives (junior_rep_limited, junior_rep, senior_rep): associate_representatives
//   administrators (junior_admin, senior_admin):                   associate_administrators
//   owner: manage_registration, i.e. only an owner [decided: the spec names no function for it]
// The last owner is protected separately (nobody may remove or demote it).
import type { BusinessFunction, Role } from './permissions.js';

export function associationPermission(role: Role): BusinessFunction {
  switch (role) {
    case 'owner':
      return 'manage_registration';
    case 'senior_admin':
    case 'junior_admin':
      return 'associate_administrators';
    default:
      return 'associate_representatives';
  }
}

/** the business functions an actor needs to move a target from `from` to `to` (either may be absent) */
export function permissionsToChangeRole(base: BusinessFunction | undefined, from: Role | undefined, to: Role | undefined): BusinessFunction[] {
  const needed = new Set<BusinessFunction>();
  if (base) needed.add(base);
  if (from) needed.add(associationPermission(from));
  if (to) needed.add(associationPermission(to));
  return [...needed];
}
