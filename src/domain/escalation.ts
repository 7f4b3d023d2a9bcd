// The escalation guard (rac-access.md section 3): an actor may only give, change or take away a
// role it may associate. Which business function lets an actor associate each role:
//   representatives (junior_rep_limited, junior_rep, senior_rep): associate_representatives
//   administrators (junior_admin, senior_admin):                   associate_administrators
//   owner: manage_registration, i.e. only an owner [decided: the spec names no function for it];
//          and associate_administrators too (every owner in force holds it), since
//          manage_registration holds while the registration is suspended (an owner must be able
//          to lift it) but employee management is frozen then
// An employee is every association it holds in the business: acting on the employee as a whole
// (delete, disassociate, re-associate) needs the function for each role it holds, in the business
// and in its BN groups (a group `member` holds the business role).
// The last owner is protected separately (nobody may remove or demote it).
import type { GroupRole } from './facts.js';
import type { BusinessFunction, Role } from './permissions.js';

/** the business functions that let an actor give, change or take away `role` */
export function associationPermissions(role: Role): BusinessFunction[] {
  switch (role) {
    case 'owner':
      return ['manage_registration', 'associate_administrators'];
    case 'senior_admin':
    case 'junior_admin':
      return ['associate_administrators'];
    default:
      return ['associate_representatives'];
  }
}

/** the business functions an actor needs to move a target from `from` to `to` (either may be absent) */
export function permissionsToChangeRole(base: BusinessFunction | undefined, from: Role | undefined, to: Role | undefined): BusinessFunction[] {
  const needed = new Set<BusinessFunction>();
  if (base) needed.add(base);
  for (const role of [from, to]) if (role) for (const p of associationPermissions(role)) needed.add(p);
  return [...needed];
}

/** every role the rep holds in the business: its business role and its own roles in BN groups */
export function rolesHeld(business: Role | undefined, groups: ReadonlyArray<{ role: GroupRole }>): Role[] {
  const roles = new Set<Role>(business ? [business] : []);
  for (const g of groups) if (g.role !== 'member') roles.add(g.role);
  return [...roles];
}

/** the business functions an actor needs to act on an employee holding `roles` as a whole */
export function permissionsToActOn(base: BusinessFunction, roles: readonly Role[]): BusinessFunction[] {
  return [...new Set<BusinessFunction>([base, ...roles.flatMap(associationPermissions)])];
}
