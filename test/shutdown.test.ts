// Graceful shutdown (src/http/shutdown.ts): the requests under way finish, keep-alive callers are
// told to go (Connection: close) and their idle connections closed, the store is released, and the
// process exits 0; a request that outlasts the grace period makes it exit 1 anyway. /readyz says 503
// meanwhile.
import { describe, expect, it } from '@jest/globals';
import { Agent, createServer, request as httpRequest, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { gracefulShutdown } from '../src/http/shutdown.js';
import { startTestApp } from './support/app.js';

const silent = pino({ level: 'silent' });

/** the responses of the servers below: a class of their own, as the service's are (server.ts) */
class Response extends ServerResponse {}

/** a server whose /slow answers after `ms`, /hang never */
function serve(ms: number): Promise<Server> {
  const server = createServer({ ServerResponse: Response }, (req, res) => {
    if (req.url === '/hang') return;
    setTimeout(() => res.end('done'), req.url === '/slow' ? ms : 0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function get(server: Server, path: string, agent: Agent): Promise<{ status: number; body: string; connection?: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, agent }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers.connection ? { connection: res.headers.connection } : {}) }));
    }).on('error', reject).end();
  });
}

describe('graceful shutdown', () => {
  it('lets a request under way finish, tells keep-alive callers to go, releases the store, then exits 0', async () => {
    const server = await serve(400);
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const exits: number[] = [];
    let released = 0;
    const drain = gracefulShutdown(server, { graceMs: 5000, logger: silent, release: async () => void released++, exit: (c) => exits.push(c) });
    // one connection kept alive and idle, one busy with a slow request
    expect((await get(server, '/fast', agent)).status).toBe(200);
    const slow = get(server, '/slow', agent);
    await new Promise((r) => setTimeout(r, 50));
    expect(drain.draining()).toBe(false);
    drain.begin('SIGTERM');
    expect(drain.draining()).toBe(true);
    expect(await slow).toEqual(expect.objectContaining({ status: 200, body: 'done' }));
    // every connection closed, then the store released and the exit made, once
    await new Promise((r) => setTimeout(r, 500));
    expect(released).toBe(1);
    expect(exits).toEqual([0]);
    agent.destroy();
  });

  it('an answer under way when the signal comes says Connection: close, and its connection closes after it', async () => {
    const server = await serve(300);
    const { port } = server.address() as AddressInfo;
    const exits: number[] = [];
    const drain = gracefulShutdown(server, { graceMs: 5000, logger: silent, release: async () => undefined, exit: (c) => exits.push(c), responses: Response.prototype });
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d));
    const ended = new Promise((r) => socket.on('close', r));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    drain.begin('SIGTERM');
    await ended;
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.toLowerCase()).toContain('connection: close');
    expect(got.endsWith('done')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(exits).toEqual([0]);
  });

  it('an answer ended but not yet all written (a slow reader) is not cut: its connection closes once it is', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    const server = createServer({ ServerResponse: Response }, (_req, res) => res.end(big));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const exits: number[] = [];
    const drain = gracefulShutdown(server, { graceMs: 5000, logger: silent, release: async () => undefined, exit: (c) => exits.push(c), responses: Response.prototype });
    const { connect } = await import('node:net');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let bytes = 0;
    socket.on('data', (d) => (bytes += d.length));
    const ended = new Promise((r) => socket.on('close', r));
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    socket.pause(); // the caller stops reading: the answer is ended, most of it still queued
    drain.begin('SIGTERM');
    await new Promise((r) => setTimeout(r, 400)); // several sweeps
    socket.resume();
    await ended;
    expect(bytes).toBeGreaterThan(big.length);
    await new Promise((r) => setTimeout(r, 100));
    expect(exits).toEqual([0]);
  });

  it('a second signal exits at once, with 1', async () => {
    const server = await serve(0);
    const agent = new Agent({ keepAlive: true });
    const exits: number[] = [];
    const drain = gracefulShutdown(server, { graceMs: 5000, logger: silent, release: async () => undefined, exit: (c) => exits.push(c) });
    void get(server, '/hang', agent).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    drain.begin('SIGINT');
    expect(exits).toEqual([]);
    drain.begin('SIGINT');
    expect(exits).toEqual([1]);
    agent.destroy();
    server.closeAllConnections();
  });

  it('exits 1 when a request outlasts the grace period', async () => {
    const server = await serve(0);
    const agent = new Agent({ keepAlive: true });
    const exits: number[] = [];
    let released = 0;
    const drain = gracefulShutdown(server, { graceMs: 300, logger: silent, release: async () => void released++, exit: (c) => exits.push(c) });
    void get(server, '/hang', agent).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    drain.begin('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(exits).toEqual([1]);
    expect(released).toBe(0);
    agent.destroy();
    server.closeAllConnections();
  });

  it('/readyz answers 503 once the process is shutting down', async () => {
    let draining = false;
    const t = await startTestApp({ draining: () => draining });
    try {
      expect((await request(t.app).get('/readyz')).status).toBe(200);
      draining = true;
      const res = await request(t.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'shutting down' });
    } finally {
      await t.close();
    }
  });
});
