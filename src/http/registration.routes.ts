// Registration and employees of a business (scope `admin`, actor rep:).
import {
  bnParam,
  businessResponse,
  employeeParams,
  employeesResponse,
  employeeWriteResponse,
  privilegeParams,
  registerBody,
  renameBody,
  roleBody,
  writeResponse,
} from './api.schemas.js';
import { route, sendWrite, type RouteSpec } from './route.js';
import type { Services } from './services.js';

const admin = { scope: 'admin' as const, actor: true };

export function registrationRoutes(s: Services): RouteSpec[] {
  const statusRoute = (action: 'suspend' | 'unsuspend' | 'cancel') =>
    route({
      ...admin,
      method: 'post',
      path: `/v1/businesses/:bn/${action}`,
      tag: 'registration',
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} the registration (owner only: manage_registration)`,
      params: bnParam,
      responses: { 200: { description: 'the new status', schema: businessResponse, token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.registration.setStatus(ctx, params.bn, action);
        sendWrite(res, 200, { bn: r.bn, status: r.status }, r.token);
      },
    });
  return [
    route({
      ...admin,
      method: 'post',
      path: '/v1/businesses',
      tag: 'registration',
      summary: 'Register a business; the actor becomes its owner',
      body: registerBody,
      errors: [409],
      responses: { 201: { description: 'registered', schema: businessResponse, token: true } },
      handler: async (_req, res, { body, ctx }) => {
        const r = await s.registration.register(ctx, body.bn, body.name);
        sendWrite(res, 201, { bn: r.bn, name: r.name, status: r.status, owners: r.owners }, r.token);
      },
    }),
    route({
      ...admin,
      method: 'get',
      path: '/v1/businesses/:bn',
      tag: 'registration',
      summary: 'Read the registration (update_registration)',
      params: bnParam,
      errors: [404],
      responses: { 200: { description: 'the registration', schema: businessResponse } },
      handler: async (_req, res, { params, ctx }) => {
        res.json(await s.registration.get(ctx, params.bn));
      },
    }),
    route({
      ...admin,
      method: 'patch',
      path: '/v1/businesses/:bn',
      tag: 'registration',
      summary: 'Update the registration information (update_registration)',
      params: bnParam,
      body: renameBody,
      errors: [404],
      responses: { 200: { description: 'updated', schema: businessResponse, token: true } },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.registration.rename(ctx, params.bn, body.name);
        sendWrite(res, 200, { bn: r.bn, name: r.name, status: r.status }, r.token);
      },
    }),
    statusRoute('suspend'),
    statusRoute('unsuspend'),
    statusRoute('cancel'),
    route({
      ...admin,
      method: 'get',
      path: '/v1/businesses/:bn/employees',
      tag: 'employees',
      summary: 'List the employees, their roles, privileges and groups (view_employees)',
      params: bnParam,
      responses: { 200: { description: 'the employees', schema: employeesResponse } },
      handler: async (_req, res, { params, ctx }) => {
        res.json({ employees: await s.employees.list(ctx, params.bn) });
      },
    }),
    route({
      ...admin,
      method: 'put',
      path: '/v1/businesses/:bn/employees/:repId',
      tag: 'employees',
      summary: 'Associate an employee with a role, or change its role (escalation guard applies)',
      params: employeeParams,
      body: roleBody,
      errors: [409],
      responses: {
        201: { description: 'associated', schema: employeeWriteResponse, token: true },
        200: { description: 'changed (or already so)', schema: employeeWriteResponse, token: true },
      },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.employees.put(ctx, params.bn, params.repId, body.role);
        sendWrite(res, r.created ? 201 : 200, r.employee, r.token);
      },
    }),
    route({
      ...admin,
      method: 'delete',
      path: '/v1/businesses/:bn/employees/:repId',
      tag: 'employees',
      summary: 'Delete the association: role and privileges go (modify_associations + escalation guard)',
      params: employeeParams,
      errors: [409],
      responses: { 204: { description: 'deleted', token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.employees.delete(ctx, params.bn, params.repId);
        sendWrite(res, 204, undefined, r.token);
      },
    }),
    ...(['disassociate', 'reassociate'] as const).map((action) =>
      route({
        ...admin,
        method: 'post',
        path: `/v1/businesses/:bn/employees/:repId/${action}`,
        tag: 'employees',
        summary:
          action === 'disassociate'
            ? 'Disassociate: keeps role and privileges, reaches nothing (disassociate_employees + escalation guard)'
            : 'Re-associate: restores exactly what the employee had',
        params: employeeParams,
        errors: [404, 409],
        responses: { 200: { description: 'done', schema: employeeWriteResponse, token: true } },
        handler: async (_req, res, { params, ctx }) => {
          const r = await s.employees.setAssociated(ctx, params.bn, params.repId, action === 'reassociate');
          sendWrite(res, 200, r.employee, r.token);
        },
      }),
    ),
    route({
      ...admin,
      method: 'put',
      path: '/v1/businesses/:bn/employees/:repId/privileges/:privilege',
      tag: 'employees',
      summary: 'Assign a privilege (assign_privileges); never to junior_rep_limited (409); an owner or senior administrator holds every one already (200, nothing stored)',
      params: privilegeParams,
      errors: [404, 409],
      responses: {
        201: { description: 'assigned', schema: writeResponse, token: true },
        200: { description: 'already held (assigned, or through the role: every role the employee holds is owner or senior_admin)', schema: writeResponse, token: true },
      },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.employees.setPrivilege(ctx, params.bn, params.repId, params.privilege, true);
        sendWrite(res, r.created ? 201 : 200, {}, r.token);
      },
    }),
    route({
      ...admin,
      method: 'delete',
      path: '/v1/businesses/:bn/employees/:repId/privileges/:privilege',
      tag: 'employees',
      summary: 'Remove a privilege (assign_privileges)',
      params: privilegeParams,
      responses: { 204: { description: 'removed', token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.employees.setPrivilege(ctx, params.bn, params.repId, params.privilege, false);
        sendWrite(res, 204, undefined, r.token);
      },
    }),
  ];
}
