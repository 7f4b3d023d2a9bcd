// Request bodies of the check endpoints, as zod schemas (the OpenAPI document will be generated
// from these). Identifiers use the domain's grammars; unknown fields are rejected.
import { z } from 'zod';
import type { CheckInput } from '../domain/checks.js';
import { bnSchema, clientSchema, repIdSchema } from '../domain/identifiers.js';
import { BUSINESS_FUNCTIONS, CLIENT_PERMISSIONS, clientPermissionApplies, type ClientPermission } from '../domain/permissions.js';
import { consistencyBodySchema } from './consistency.js';

const checkFields = {
  rep: repIdSchema,
  permission: z.string({ error: 'must be a string' }).max(64, 'is not a known permission'),
  client: clientSchema.optional(),
  business: bnSchema.optional(),
};
type CheckFields = { rep: string; permission: string; client?: z.output<typeof clientSchema>; business?: string };

function refineCheck(c: CheckFields, ctx: z.RefinementCtx): void {
  if ((c.client === undefined) === (c.business === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['client'], message: 'give exactly one of client or business' });
    return;
  }
  if (c.business !== undefined && !(BUSINESS_FUNCTIONS as readonly string[]).includes(c.permission)) {
    ctx.addIssue({ code: 'custom', path: ['permission'], message: 'is not a business function' });
  }
  if (c.client !== undefined) {
    if (!(CLIENT_PERMISSIONS as readonly string[]).includes(c.permission)) {
      ctx.addIssue({ code: 'custom', path: ['permission'], message: 'is not a client permission' });
    } else if (!clientPermissionApplies(c.permission as ClientPermission, c.client.type)) {
      ctx.addIssue({ code: 'custom', path: ['permission'], message: `does not apply to ${c.client.type} clients` });
    }
  }
}

const toInput = (c: CheckFields): CheckInput =>
  c.business !== undefined
    ? { rep: c.rep, permission: c.permission, business: c.business }
    : { rep: c.rep, permission: c.permission, client: c.client! };

/** one item of a bulk check: about a business function of a business, or a permission on a client */
export const checkItemSchema = z.object(checkFields).strict().superRefine(refineCheck).transform(toInput);

/** the body of POST /v1/check (and /v1/explain): a check plus an optional consistency */
export const checkBodySchema = z
  .object({ ...checkFields, consistency: consistencyBodySchema.optional() })
  .strict()
  .superRefine(refineCheck)
  .transform((c) => ({ input: toInput(c), consistency: c.consistency }));

/**
 * One bulk item as the OpenAPI document describes it: a check's shape, or anything else, since the
 * items are validated one by one (a bad item answers its own problem in `results`, the request
 * stands): the document says what a check looks like without claiming a bad one refuses the body.
 */
const { $schema: _, ...checkShape } = z.toJSONSchema(z.object(checkFields).strict(), { io: 'input', unrepresentable: 'any' });
const checkItemDocument = {
  description: 'one check, as POST /v1/check takes it (without consistency); any other item answers its own 400 problem in results',
  anyOf: [checkShape, {}],
};

export const MAX_BULK = 1000;
/** the body of POST /v1/check/bulk; items are validated one by one, so one bad item fails alone */
export const bulkBodySchema = z
  .object({
    checks: z
      .array(z.unknown().meta({ override: ({ jsonSchema }) => void Object.assign(jsonSchema, checkItemDocument) }))
      .min(1, 'give 1 to 1000 checks')
      .max(MAX_BULK, 'give 1 to 1000 checks'),
    consistency: consistencyBodySchema.optional(),
  })
  .strict();
