// Test support: drive the real HTTP API as an actor, remembering the newest consistency token
// so that checks read the writes before them (RAC-At-Least-As-Fresh), as a caller would.
import type { Express } from 'express';
import request from 'supertest';
import { bearer, KEYS } from './app.js';

export class Api {
  /** the newest RAC-Consistency-Token seen */
  token: string | undefined;

  constructor(readonly app: Express) {}

  private track = (res: request.Response) => {
    const t = res.headers['rac-consistency-token'];
    if (typeof t === 'string' && t.length > 0) this.token = t;
    return res;
  };

  /** an admin call as `actor` (rep:<RepID> or client:<type>:<id>) */
  async as(actor: string, method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: object): Promise<request.Response> {
    let r = request(this.app)[method](path).set(bearer(KEYS.admin)).set('RAC-Actor', actor);
    if (this.token) r = r.set('RAC-At-Least-As-Fresh', this.token);
    return this.track(await (body === undefined ? r : r.send(body)));
  }

  /** an admin call that must succeed with the given status */
  async ok(status: number, actor: string, method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: object) {
    const res = await this.as(actor, method, path, body);
    if (res.status !== status) throw new Error(`${method.toUpperCase()} ${path} as ${actor}: ${res.status} ${res.text}`);
    return res;
  }

  /** POST /v1/check, at least as fresh as the newest write */
  async check(body: object): Promise<boolean> {
    let r = request(this.app).post('/v1/check').set(bearer(KEYS.check));
    if (this.token) r = r.set('RAC-At-Least-As-Fresh', this.token);
    const res = await r.send(body);
    if (res.status !== 200) throw new Error(`check ${JSON.stringify(body)}: ${res.status} ${res.text}`);
    return res.body.allowed as boolean;
  }

  async checkBulk(checks: object[]): Promise<boolean[]> {
    let r = request(this.app).post('/v1/check/bulk').set(bearer(KEYS.check));
    if (this.token) r = r.set('RAC-At-Least-As-Fresh', this.token);
    const res = await r.send({ checks });
    if (res.status !== 200) throw new Error(`bulk: ${res.status} ${res.text}`);
    return (res.body.results as Array<{ allowed?: boolean; error?: unknown }>).map((x) => {
      if (x.error) throw new Error(`bulk item: ${JSON.stringify(x.error)}`);
      return x.allowed!;
    });
  }

  /** a check-scope GET (lookups) */
  async read(path: string): Promise<request.Response> {
    let r = request(this.app).get(path).set(bearer(KEYS.check));
    if (this.token) r = r.set('RAC-At-Least-As-Fresh', this.token);
    return r;
  }
}
