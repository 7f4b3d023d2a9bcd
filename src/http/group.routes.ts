// BN groups (scope `admin`, actor rep: with manage_groups).
import {
  assignedResponse,
  bnParam,
  groupBody,
  groupClientParams,
  groupClientsBody,
  groupEmployeeBody,
  groupEmployeeParams,
  groupParams,
  groupResponse,
  writeResponse,
} from './api.schemas.js';
import { route, sendWrite, type RouteSpec } from './route.js';
import type { Services } from './services.js';

const admin = { scope: 'admin' as const, actor: true, tag: 'groups' };
type GroupRole = Parameters<Services['groups']['putEmployee']>[4];

export function groupRoutes(s: Services): RouteSpec[] {
  return [
    route({
      ...admin,
      method: 'post',
      path: '/v1/businesses/:bn/groups',
      summary: 'Create a BN group',
      params: bnParam,
      body: groupBody,
      responses: { 201: { description: 'created', schema: groupResponse, token: true } },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.groups.create(ctx, params.bn, body.name);
        sendWrite(res, 201, { groupId: r.groupId, name: r.name }, r.token);
      },
    }),
    route({
      ...admin,
      method: 'delete',
      path: '/v1/businesses/:bn/groups/:groupId',
      summary: 'Delete a BN group: its clients return to the business-wide rule',
      params: groupParams,
      responses: { 204: { description: 'deleted', token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.groups.delete(ctx, params.bn, params.groupId);
        sendWrite(res, 204, undefined, r.token);
      },
    }),
    route({
      ...admin,
      method: 'put',
      path: '/v1/businesses/:bn/groups/:groupId/employees/:repId',
      summary: 'Associate a rep to the group: with its business role, or with {"role"} (escalation guard applies)',
      params: groupEmployeeParams,
      body: groupEmployeeBody,
      errors: [404, 409],
      responses: {
        201: { description: 'associated', schema: writeResponse, token: true },
        200: { description: 'changed (or already so)', schema: writeResponse, token: true },
      },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.groups.putEmployee(ctx, params.bn, params.groupId, params.repId, body?.role as GroupRole);
        sendWrite(res, r.created ? 201 : 200, {}, r.token);
      },
    }),
    route({
      ...admin,
      method: 'delete',
      path: '/v1/businesses/:bn/groups/:groupId/employees/:repId',
      summary: 'End a rep’s association to the group',
      params: groupEmployeeParams,
      responses: { 204: { description: 'removed', token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.groups.deleteEmployee(ctx, params.bn, params.groupId, params.repId);
        sendWrite(res, 204, undefined, r.token);
      },
    }),
    route({
      ...admin,
      method: 'put',
      path: '/v1/businesses/:bn/groups/:groupId/clients/:type/:id',
      summary: 'Fence a client into the group (409 if it has not authorized the business)',
      params: groupClientParams,
      errors: [404, 409],
      responses: {
        201: { description: 'assigned', schema: writeResponse, token: true },
        200: { description: 'already in the group', schema: writeResponse, token: true },
      },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.groups.assignClients(ctx, params.bn, params.groupId, [params.client]);
        sendWrite(res, r.created > 0 ? 201 : 200, {}, r.token);
      },
    }),
    route({
      ...admin,
      method: 'delete',
      path: '/v1/businesses/:bn/groups/:groupId/clients/:type/:id',
      summary: 'Take a client out of the group',
      params: groupClientParams,
      responses: { 204: { description: 'removed', token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.groups.removeClient(ctx, params.bn, params.groupId, params.client);
        sendWrite(res, 204, undefined, r.token);
      },
    }),
    route({
      ...admin,
      method: 'post',
      path: '/v1/businesses/:bn/groups/:groupId/clients',
      summary: 'Fence up to 1000 clients into the group, all or nothing',
      params: groupParams,
      body: groupClientsBody,
      errors: [404, 409],
      responses: { 200: { description: 'assigned', schema: assignedResponse, token: true } },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.groups.assignClients(ctx, params.bn, params.groupId, body.clients);
        sendWrite(res, 200, { assigned: r.assigned }, r.token);
      },
    }),
  ];
}
