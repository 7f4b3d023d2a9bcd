// Test support: the access table (test/access-matrix.json, a copy of the spec's) and what it
// expects for a role holding a privilege state.
import { readFileSync } from 'node:fs';
import type { ClientType } from '../../src/domain/identifiers.js';
import { PRIVILEGES, type Privilege, type Role } from '../../src/domain/permissions.js';

export type Cell = boolean | { privilege: 'any_client_privilege' | 'of_client_type' | 'mail' };
export interface Row {
  permission: string;
  roles: Record<Role, Cell>;
  applies_to?: ClientType[];
}
export interface Matrix {
  roles: Role[];
  privileges: Record<Privilege, ClientType | null>;
  business_functions: Row[];
  client_permissions: Row[];
}
export const matrix = JSON.parse(readFileSync(new URL('../access-matrix.json', import.meta.url), 'utf8')) as Matrix;

export type PrivilegeState = Privilege | 'none';
export const STATES: PrivilegeState[] = ['none', ...PRIVILEGES];
export const PRIVILEGE_OF_TYPE: Record<ClientType, Privilege> = {
  individual: 'individual_clients',
  business: 'business_clients',
  trust: 'trust_clients',
};
const CLIENT_PRIVILEGES: Privilege[] = ['individual_clients', 'business_clients', 'trust_clients'];

/** what the table says for one role holding one privilege state (clientType: for client rows) */
export function expected(cell: Cell, state: PrivilegeState, clientType?: ClientType): boolean {
  if (typeof cell === 'boolean') return cell;
  if (state === 'none') return false;
  switch (cell.privilege) {
    case 'mail':
      return state === 'mail';
    case 'any_client_privilege':
      return CLIENT_PRIVILEGES.includes(state);
    case 'of_client_type':
      // As a business function (no client), any client-type privilege lets the employee remove
      // some client's authorization; on a client, only the privilege of that client's type.
      return clientType ? state === PRIVILEGE_OF_TYPE[clientType] : CLIENT_PRIVILEGES.includes(state);
  }
}
