// The permission vocabulary: exactly the names in schema.zed and rac-access.md. No
// translation table: the API, the schema and the spec share these words.
import type { ClientType } from './identifiers.js';

/** Business functions (rac-access.md section 3): permissions on `business`. */
export const BUSINESS_FUNCTIONS = [
  'associate_representatives',
  'associate_administrators',
  'assign_privileges',
  'view_employees',
  'disassociate_employees',
  'modify_associations',
  'view_client_list',
  'manage_groups',
  'update_registration',
  'manage_registration',
  'request_authorization',
  'remove_authorization',
  'manage_online_mail',
  'access_mail',
] as const;
export type BusinessFunction = (typeof BUSINESS_FUNCTIONS)[number];

/** Client permissions (rac-access.md section 5): permissions on each client type. */
export const CLIENT_PERMISSIONS = ['view', 'update', 'list', 'view_transactions', 'view_notices', 'remove_authorization'] as const;
export type ClientPermission = (typeof CLIENT_PERMISSIONS)[number];

/** Which client types define which permission (view_notices is for individuals only). */
export function clientPermissionApplies(permission: ClientPermission, type: ClientType): boolean {
  return permission !== 'view_notices' || type === 'individual';
}

export const ROLES = ['junior_rep_limited', 'junior_rep', 'senior_rep', 'junior_admin', 'senior_admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const PRIVILEGES = ['individual_clients', 'business_clients', 'trust_clients', 'mail'] as const;
export type Privilege = (typeof PRIVILEGES)[number];
