// Display names of businesses and groups, stored as the id of a display_name object (see
// schema.zed): base64url of the UTF-8 name. Bounded so the id stays under SpiceDB's 1024.
import { z } from 'zod';
import { hasSinLike } from './identifiers.js';
import type { ObjectRef } from './store-port.js';

export const nameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 600, 'must be at most 600 bytes in UTF-8')
  // a name is echoed, audited and stored in SpiceDB: it may not carry what could be a SIN
  .refine((s) => !hasSinLike(s), 'must not contain a 9-digit number (it could be a SIN)')
  // nor may the id it is stored under (base64url: digits, and dashes or underscores between them)
  .refine((s) => !hasSinLike(nameObject(s).id), 'cannot be stored as written (its stored form would hold a 9-digit number): change a character');

export const nameObject = (name: string): ObjectRef => ({
  type: 'display_name',
  id: Buffer.from(name, 'utf8').toString('base64url'),
});

export const nameFromId = (id: string): string => Buffer.from(id, 'base64url').toString('utf8');
