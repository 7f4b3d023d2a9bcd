// Test support: a loopback TCP proxy that can hold every byte for a while, to make a healthy
// SpiceDB answer slower than rac-authz's deadline.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  /** milliseconds added to every chunk, both ways */
  delayMs: number;
  close(): Promise<void>;
}

export async function startDelayProxy(targetPort: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = { port: 0, delayMs: 0, close: async () => {} };
  const pipe = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      const send = () => to.writable && to.write(chunk);
      if (proxy.delayMs > 0) setTimeout(send, proxy.delayMs);
      else send();
    });
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.port = (server.address() as { port: number }).port;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
