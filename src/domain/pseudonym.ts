// SIN pseudonyms (rac-access.md section 6): a keyed, one-way HMAC-SHA-256 of the SIN. The SIN
// itself never leaves this function: SpiceDB, logs and responses only ever see the ref.
import { createHmac } from 'node:crypto';

export type Pseudonymizer = (sin: string) => string;

export function createPseudonymizer(key: string | Buffer): Pseudonymizer {
  if (key.length < 16) throw new Error('the pseudonym key must be at least 16 bytes');
  return (sin) => createHmac('sha256', key).update(`sin:${sin}`).digest('hex');
}
