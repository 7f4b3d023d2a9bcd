// Client authorizations and authorization requests (scope `admin`).
import { z } from 'zod';
import type { Representative } from '../domain/authorization.commands.js';
import type { ClientId } from '../domain/identifiers.js';
import {
  authorizationBody,
  authorizationResponse,
  authorizationsResponse,
  bnParam,
  clientBusinessParams,
  clientParams,
  clientRepParams,
  pendingResponse,
  requestBody,
} from './api.schemas.js';
import { route, sendWrite, type RouteSpec } from './route.js';
import type { Services } from './services.js';

const admin = { scope: 'admin' as const, actor: true, tag: 'authorizations' };

type Params = { client: ClientId; bn?: string; repId?: string };
const representativeOf = (p: Params): Representative => (p.bn !== undefined ? { business: p.bn } : { rep: p.repId! });

export function authorizationRoutes(s: Services): RouteSpec[] {
  const put = <P extends Params>(path: string, params: z.ZodType<P>, whom: string) =>
    route({
      ...admin,
      method: 'put',
      path,
      summary: `The client authorizes ${whom} at a level, optionally until expiresAt (actor: the client)`,
      params,
      body: authorizationBody,
      errors: [403],
      responses: {
        201: { description: 'authorized', schema: authorizationResponse, token: true },
        200: { description: 'changed (or already so)', schema: authorizationResponse, token: true },
      },
      handler: async (_req, res, { params: p, body, ctx }) => {
        const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
        const r = await s.authorizations.put(ctx, p.client, representativeOf(p), body.level, expiresAt);
        sendWrite(res, r.created ? 201 : 200, r.authorization, r.token);
      },
    });
  const remove = <P extends Params>(path: string, params: z.ZodType<P>) =>
    route({
      ...admin,
      method: 'delete',
      path,
      summary: 'Remove an authorization (actor: the client, or a rep with remove_authorization on it)',
      params,
      responses: { 204: { description: 'removed', token: true } },
      handler: async (_req, res, { params: p, ctx }) => {
        const r = await s.authorizations.remove(ctx, p.client, representativeOf(p));
        sendWrite(res, 204, undefined, r.token);
      },
    });
  const byBusiness = '/v1/clients/:type/:id/authorizations/business/:bn';
  const byRep = '/v1/clients/:type/:id/authorizations/rep/:repId';
  return [
    put(byBusiness, clientBusinessParams, 'a business (by BN)'),
    put(byRep, clientRepParams, 'a representative (by RepID)'),
    remove(byBusiness, clientBusinessParams),
    remove(byRep, clientRepParams),
    route({
      ...admin,
      method: 'get',
      path: '/v1/clients/:type/:id/authorizations',
      summary: 'The client’s authorizations and pending requests (actor: the client)',
      params: clientParams,
      responses: { 200: { description: 'authorizations', schema: authorizationsResponse } },
      handler: async (_req, res, { params, ctx }) => {
        res.json(await s.authorizations.list(ctx, params.client));
      },
    }),
    route({
      ...admin,
      method: 'post',
      path: '/v1/businesses/:bn/authorization-requests',
      summary: 'Submit an authorization request (request_authorization); it lapses after 14 days',
      params: bnParam,
      body: requestBody,
      responses: { 201: { description: 'pending', schema: pendingResponse, token: true } },
      handler: async (_req, res, { params, body, ctx }) => {
        const r = await s.authorizations.request(ctx, params.bn, body.client, body.level);
        sendWrite(res, 201, { status: r.status, client: r.client, business: r.business, level: r.level, expiresAt: r.expiresAt }, r.token);
      },
    }),
    route({
      ...admin,
      method: 'post',
      path: '/v1/clients/:type/:id/authorization-requests/business/:bn/confirm',
      summary: 'The client confirms a pending request (404 if none pending or it lapsed)',
      params: clientBusinessParams,
      errors: [404],
      responses: { 200: { description: 'now an authorization', schema: authorizationResponse, token: true } },
      handler: async (_req, res, { params, ctx }) => {
        const r = await s.authorizations.confirm(ctx, params.client, params.bn);
        sendWrite(res, 200, r.authorization, r.token);
      },
    }),
  ];
}
