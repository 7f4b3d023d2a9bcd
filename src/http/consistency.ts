// Consistency from the caller: the RAC-At-Least-As-Fresh header, or the body's `consistency`
// field ({atLeastAsFresh} or {fullyConsistent: true}); the default is minimize-latency.
import type { Request } from 'express';
import { z } from 'zod';
import type { Consistency } from '../domain/store-port.js';

export const TOKEN_HEADER = 'RAC-At-Least-As-Fresh';
const tokenSchema = z.string().min(1).max(1024).regex(/^[A-Za-z0-9+/=_-]+$/, 'must be a consistency token');

export const consistencyBodySchema = z.union([
  z.object({ atLeastAsFresh: tokenSchema }).strict(),
  z.object({ fullyConsistent: z.literal(true) }).strict(),
]);

export function consistencyOf(req: Request, body?: z.infer<typeof consistencyBodySchema>): Consistency {
  if (body && 'fullyConsistent' in body) return { kind: 'fullyConsistent' };
  if (body && 'atLeastAsFresh' in body) return { kind: 'atLeastAsFresh', token: body.atLeastAsFresh };
  const header = req.get(TOKEN_HEADER);
  if (header !== undefined) {
    const parsed = tokenSchema.safeParse(header);
    if (!parsed.success) throw new z.ZodError([{ code: 'custom', path: ['headers', TOKEN_HEADER], message: 'must be a consistency token', input: undefined }]);
    return { kind: 'atLeastAsFresh', token: parsed.data };
  }
  return { kind: 'minimizeLatency' };
}
