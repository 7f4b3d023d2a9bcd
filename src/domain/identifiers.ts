// The RAC identifier grammars (rac-access.md section 1, http-api.md "Identifiers") as zod
// schemas, so every edge validates the same way and a bad id is a 400 naming its field.
import { z } from 'zod';

/** Luhn check over a string of digits (the SIN's last digit is its check digit). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Messages never repeat the value: a rejected SIN must not come back in an error.
export const repIdSchema = z
  .string()
  // the grammar is tested before upper-casing: toUpperCase maps some other letters into A-Z
  // (ſ to S, ı to I, ß to SS), which would make aliases of a RepID out of what is not one
  .regex(/^[A-Za-z0-9]{7}$/, 'must be a RepID: 7 characters A-Z or 0-9')
  .transform((s) => s.toUpperCase())
  .meta({ description: 'RepID: 7 characters A-Z or 0-9 (lower case is accepted and upper-cased)', example: 'A1B2C3D' });

export const bnSchema = z
  .string()
  .regex(/^[0-9]{9}$/, 'must be a business number: 9 digits')
  .meta({ description: 'business number (BN): 9 digits', example: '123456789' });

export const sinSchema = z
  .string()
  .regex(/^[0-9]{9}$/, 'must be a SIN (9 digits) or a client ref')
  .refine(luhnValid, 'must be a SIN with a valid check digit, or a client ref');

/**
 * Nine digits, in a row or with up to three separators between each two (spaces of any kind,
 * dots, dashes of any kind, slashes, commas, underscores: anything neither letter nor digit, but
 * for characters that show nothing (INVISIBLE), which do not count however many there are),
 * written in any script's digits (fullwidth ones too): what a SIN looks like written down. Free
 * text and ids the service echoes, logs, audits or stores (names, group ids, request ids, imported
 * ids) must not hold one (rac-access.md section 6). The separator and digit classes do not
 * overlap, so the match cannot backtrack far.
 */
const SIN_LIKE = /\p{Nd}(?:[^\p{L}\p{N}]{0,3}\p{Nd}){8}/u;
const SIN_LIKE_ALL = new RegExp(SIN_LIKE.source, 'gu');
/**
 * characters that show nothing by themselves: format characters (zero-width spaces and joiners,
 * soft hyphens, direction marks), combining marks, and the rest of Unicode's default-ignorable
 * ones (Hangul fillers, which are letters, among them). However many stand between two digits,
 * the text displays as the digits side by side, so they do not count as separators
 */
const INVISIBLE = /[\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}]/gu;
// one test: removing them only brings digits closer, so the text without them matches whenever the text as written does
export const hasSinLike = (s: string): boolean => SIN_LIKE.test(s.replace(INVISIBLE, ''));
/** every SIN-like run masked, the rest kept (for a caller's request id) */
export const maskSinLike = (s: string): string => s.replace(SIN_LIKE_ALL, (run) => '*'.repeat(run.length));

/** The pseudonym the service returns for an individual: 64 lower-case hex characters. */
export const REF_PATTERN = /^[0-9a-f]{64}$/;
export const trustNumberSchema = z.string().regex(/^T[0-9]{8}$/, 'must be a trust account number: T and 8 digits');

export const CLIENT_TYPES = ['individual', 'business', 'trust'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
export const clientTypeSchema = z.enum(CLIENT_TYPES, { error: 'must be one of individual, business, trust' });

/**
 * A client as callers name it. An individual's id is a SIN or the ref returned earlier; which
 * one is told by its shape (9 digits vs 64 hex characters), so the two can never be confused.
 */
export type ClientId =
  | { type: 'individual'; sin: string }
  | { type: 'individual'; ref: string }
  | { type: 'business'; bn: string }
  | { type: 'trust'; trustNumber: string };

const individualIdSchema = z.string().max(128, 'must be a SIN (9 digits) or a client ref').superRefine((s, ctx) => {
  if (REF_PATTERN.test(s)) return;
  if (/^[0-9]{9}$/.test(s)) {
    if (!luhnValid(s)) ctx.addIssue({ code: 'custom', message: 'must be a SIN with a valid check digit, or a client ref' });
    return;
  }
  ctx.addIssue({ code: 'custom', message: 'must be a SIN (9 digits) or a client ref' });
});

/** Parses {type, id} into a ClientId; issues are reported on `id` (or `type`). */
export const clientSchema = z
  .object({
    type: clientTypeSchema,
    id: z.string({ error: 'must be a string' }).meta({
      description: 'individual: a SIN (9 digits, Luhn-valid) or the ref returned for it; business: a BN; trust: T and 8 digits',
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const schema = c.type === 'individual' ? individualIdSchema : c.type === 'business' ? bnSchema : trustNumberSchema;
    const r = schema.safeParse(c.id);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: ['id'], message: issue.message });
  })
  .transform((c): ClientId => {
    if (c.type === 'individual') return REF_PATTERN.test(c.id) ? { type: 'individual', ref: c.id } : { type: 'individual', sin: c.id };
    if (c.type === 'business') return { type: 'business', bn: c.id };
    return { type: 'trust', trustNumber: c.id };
  });
