// The zod schemas of the API's parameters, bodies and responses (beyond the check bodies in
// check.schemas.ts). They validate requests and, through route.ts, generate the OpenAPI document.
import { z } from 'zod';
import { bnSchema, clientSchema, clientTypeSchema, hasSinLike, repIdSchema } from '../domain/identifiers.js';
import { nameSchema } from '../domain/names.js';
import { CLIENT_PERMISSIONS, PRIVILEGES, ROLES } from '../domain/permissions.js';

// ---- path parameters ---------------------------------------------------------------------
export const bnParam = z.object({ bn: bnSchema });
export const employeeParams = z.object({ bn: bnSchema, repId: repIdSchema });
export const privilegeParams = employeeParams.extend({
  privilege: z.enum(PRIVILEGES, { error: `must be one of ${PRIVILEGES.join(', ')}` }),
});
/** a group id as the service assigns them (never nine digits in a row: echoed, audited, stored) */
export const groupIdSchema = z
  .string()
  .regex(/^[a-z0-9]{1,32}$/, 'must be a group id')
  .refine((s) => !hasSinLike(s), 'must be a group id');
export const groupParams = z.object({ bn: bnSchema, groupId: groupIdSchema });
export const groupEmployeeParams = groupParams.extend({ repId: repIdSchema });

/** {type, id} of a client in a path; issues are reported on `type` or `id` */
const clientPath = { type: clientTypeSchema, id: z.string().max(128) };
const toClient = <T extends { type: string; id: string }>(p: T, ctx: z.RefinementCtx) => {
  const r = clientSchema.safeParse({ type: p.type, id: p.id });
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    return z.NEVER;
  }
  return r.data;
};
export const clientParams = z.object(clientPath).transform((p, ctx) => ({ client: toClient(p, ctx) }));
export const groupClientParams = z
  .object({ ...clientPath, bn: bnSchema, groupId: groupIdSchema })
  .transform((p, ctx) => ({ bn: p.bn, groupId: p.groupId, client: toClient(p, ctx) }));
export const clientBusinessParams = z
  .object({ ...clientPath, bn: bnSchema })
  .transform((p, ctx) => ({ bn: p.bn, client: toClient(p, ctx) }));
export const clientRepParams = z
  .object({ ...clientPath, repId: repIdSchema })
  .transform((p, ctx) => ({ repId: p.repId, client: toClient(p, ctx) }));

// ---- bodies --------------------------------------------------------------------------------
export const registerBody = z.object({ bn: bnSchema, name: nameSchema }).strict();
export const renameBody = z.object({ name: nameSchema }).strict();
export const roleBody = z.object({ role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }) }).strict();
const groupRoles = ROLES.filter((r) => r !== 'owner') as Exclude<(typeof ROLES)[number], 'owner'>[];
export const groupEmployeeBody = z
  .object({ role: z.enum(groupRoles as [string, ...string[]], { error: `must be one of ${groupRoles.join(', ')}` }).optional() })
  .strict()
  .optional();
export const groupBody = z.object({ name: nameSchema }).strict();
export const groupClientsBody = z
  .object({ clients: z.array(clientSchema).min(1, 'give 1 to 1000 clients').max(1000, 'give 1 to 1000 clients') })
  .strict();
export const levelSchema = z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3' });
export const authorizationBody = z
  .object({
    level: levelSchema,
    expiresAt: z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' }).optional(),
  })
  .strict();
export const requestBody = z.object({ client: clientSchema, level: levelSchema }).strict();

// ---- queries -------------------------------------------------------------------------------
export const repClientsQuery = z
  .object({
    permission: z.enum(CLIENT_PERMISSIONS, { error: 'must be a client permission' }).default('view'),
    type: clientTypeSchema.optional(),
    limit: z.coerce.number({ error: 'must be 1 to 1000' }).int('must be 1 to 1000').min(1, 'must be 1 to 1000').max(1000, 'must be 1 to 1000').default(100),
    cursor: z.string().max(4096).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.permission === 'view_notices' && q.type !== 'individual') {
      ctx.addIssue({ code: 'custom', path: ['permission'], message: 'view_notices needs type=individual' });
    }
  });
export const clientRepsQuery = z
  .object({ permission: z.enum(CLIENT_PERMISSIONS, { error: 'must be a client permission' }).default('view') })
  .strict();

// ---- responses -----------------------------------------------------------------------------
const token = z.string().meta({ description: 'the ZedToken of the write; pass it as RAC-At-Least-As-Fresh to read your write' });
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export const businessResponse = z.object({
  bn: z.string(),
  name: z.string().nullable().optional(),
  status: z.enum(['active', 'suspended', 'cancelled']),
  owners: z.array(z.string()).optional(),
  consistencyToken: token.optional(),
});
export const employeeSchema = z.object({
  repId: z.string(),
  role: z.enum(ROLES).nullable(),
  status: z.enum(['active', 'disassociated']),
  privileges: z.array(z.enum(PRIVILEGES)),
  groups: z.array(z.object({ groupId: z.string(), role: z.string() })),
});
export const employeesResponse = z.object({ employees: z.array(employeeSchema) });
export const employeeWriteResponse = z.object({
  repId: z.string(),
  role: z.enum(ROLES).nullable(),
  disassociated: z.boolean(),
  privileges: z.array(z.enum(PRIVILEGES)),
  consistencyToken: token,
});
export const writeResponse = z.object({ consistencyToken: token });
export const groupResponse = z.object({ groupId: z.string(), name: z.string(), consistencyToken: token });
export const assignedResponse = z.object({ assigned: z.number().int(), consistencyToken: token });
const representative = z.union([z.object({ business: z.string() }), z.object({ rep: z.string() })]);
const clientRef = z.object({ type: clientTypeSchema, ref: z.string() });
export const authorizationResponse = z.object({
  client: clientRef,
  representative,
  level: z.number().int(),
  expiresAt: z.string().nullable(),
  consistencyToken: token.optional(),
});
export const authorizationsResponse = z.object({
  client: clientRef,
  authorizations: z.array(authorizationResponse.omit({ consistencyToken: true })),
  pendingRequests: z.array(z.object({ business: z.string(), level: z.number().int(), expiresAt: z.string().nullable() })),
});
export const pendingResponse = z.object({
  status: z.literal('pending'),
  client: clientRef,
  business: z.string(),
  level: z.number().int(),
  expiresAt: z.string(),
  consistencyToken: token,
});
export const clientsPageResponse = z.object({
  clients: z.array(z.object({ type: clientTypeSchema, id: z.string() })),
  nextCursor: z.string().nullable(),
});
export const repsResponse = z.object({ reps: z.array(z.string()) });
