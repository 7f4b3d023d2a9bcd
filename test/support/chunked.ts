// Test support: a raw request to an app on a port of its own, its body sent chunked (no
// Content-Length), the way a caller streams a body of unannounced size.
import type { Express } from 'express';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function chunked(
  app: Express,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: Array<Buffer | string>,
): Promise<{ status: number; body: string; connection?: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers.connection ? { connection: res.headers.connection } : {}) }));
      });
      // the server may close the connection before every chunk went: that is its answer
      req.on('error', (err) => (/EPIPE|ECONNRESET/.test(err.message) ? undefined : reject(err)));
      const write = (i: number) => {
        if (i === chunks.length || req.destroyed) return req.end();
        req.write(chunks[i]!, () => write(i + 1));
      };
      write(0);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
