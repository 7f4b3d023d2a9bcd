// Test support: a loopback TCP proxy that can hold every byte for a while, to make a healthy
// SpiceDB answer slower than rac-authz's deadline, or cut every connection through it (and refuse
// new ones), to take a SpiceDB or its Postgres away without stopping it.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  /** milliseconds added to every chunk, both ways */
  delayMs: number;
  /** true: every open connection is cut and new ones are closed at once; false: pass again */
  cut(on: boolean): void;
  close(): Promise<void>;
}

export async function startDelayProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const proxy: DelayProxy = {
    port: 0,
    delayMs: 0,
    cut: (on) => {
      cut = on;
      if (on) for (const s of sockets) s.destroy();
    },
    close: async () => {},
  };
  const pipe = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      const send = () => to.writable && to.write(chunk);
      if (proxy.delayMs > 0) setTimeout(send, proxy.delayMs);
      else send();
    });
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(targetPort, targetHost);
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
