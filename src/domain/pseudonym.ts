// SIN pseudonyms (rac-access.md section 6): a keyed, one-way HMAC-SHA-256 of the SIN. The SIN
// itself never leaves this function: SpiceDB, logs and responses only ever see the ref.
import { createHmac, createSecretKey } from 'node:crypto';

export type Pseudonymizer = (sin: string) => string;

export function createPseudonymizer(key: string | Buffer): Pseudonymizer {
  if (key.length < 16) throw new Error('the pseudonym key must be at least 16 bytes');
  // a key object made once, not the key's text converted on every call
  const secret = createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  return (sin) => createHmac('sha256', secret).update(`sin:${sin}`).digest('hex');
}
