// Graceful shutdown (SIGTERM, SIGINT): stop taking connections, let the requests under way finish,
// then close the store and exit. While it drains, /readyz answers 503 (so a load balancer sends no
// more), every answer carries `Connection: close` and each connection closes once idle (a
// keep-alive caller would otherwise go on sending on it), and past the grace period the process
// exits anyway, with code 1 and the number of connections it cut.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface Drain {
  /** begins the shutdown (again: nothing more) */
  begin(signal: string): void;
  /** true once it has begun: /readyz answers 503 */
  draining(): boolean;
}

export interface DrainOptions {
  graceMs: number;
  logger: Logger;
  /** after the last request: release what the process holds (the store) */
  release: () => Promise<void>;
  /** process.exit, by default (tests pass their own) */
  exit?: (code: number) => void;
  /**
   * the prototype of the server's responses (the app's own: server.ts); from the shutdown on, an
   * answer under way whose head is not yet written says `Connection: close` too. Nothing is
   * wrapped before then, so it costs a request nothing until the shutdown
   */
  responses?: { writeHead: (...args: never[]) => unknown };
}

/** a socket with no answer on it, or whose answer is all written (Node detaches it then) */
const idle = (socket: Socket) => !(socket as Socket & { _httpMessage?: unknown })._httpMessage;

export function gracefulShutdown(server: Server, options: DrainOptions): Drain {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let begun = false;
  // the open connections (one listener a connection, not a request): at the shutdown, those with
  // no answer under way are closed, and the others as soon as theirs is written
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const closeIdle = () => {
    for (const socket of sockets) if (idle(socket)) socket.destroy();
  };
  return {
    draining: () => begun,
    begin(signal) {
      if (begun) {
        // a second signal (a second Ctrl-C): no more waiting
        options.logger.warn({ signal }, 'shutdown: second signal; exiting now');
        exit(1);
        return;
      }
      begun = true;
      options.logger.info({ signal, graceMs: options.graceMs }, 'shutting down: finishing the requests under way');
      // answers from now on close their connection: through the responses' prototype, those
      // under way whose head is not yet written too; without it, those of requests read from now
      // on (set before the app runs: it may answer at once)
      const proto = options.responses as { writeHead: (this: ServerResponse, ...args: unknown[]) => unknown } | undefined;
      if (proto) {
        const writeHead = proto.writeHead;
        proto.writeHead = function (this: ServerResponse, ...args: unknown[]) {
          if (!this.headersSent) this.setHeader('Connection', 'close');
          return writeHead.apply(this, args);
        };
      } else {
        server.prependListener('request', (_req, res) => {
          res.setHeader('Connection', 'close');
        });
      }
      // kept referenced: the process ends by this timer or by the release, never by running
      // out of things to do with the release unfinished
      const forced = setTimeout(() => {
        const open = sockets.size;
        options.logger.error(
          { connectionsCut: open },
          open > 0 ? `shutdown: requests still under way after ${options.graceMs} ms; exiting` : `shutdown: releasing the store did not finish in ${options.graceMs} ms; exiting`,
        );
        exit(1);
      }, options.graceMs);
      server.close(() => {
        void options
          .release()
          .catch((err: unknown) => options.logger.error({ err }, 'shutdown: releasing the store failed'))
          .finally(() => {
            clearTimeout(forced);
            exit(0);
          });
      });
      // (not server.closeIdleConnections: it also closes a connection whose answer is ended but
      // not yet all written, cutting it). A connection busy when the signal came closes after its
      // answer (Connection: close); one whose answer had begun before (a stream) is closed here
      // once that answer is all written
      closeIdle();
      const sweep = setInterval(closeIdle, 100);
      sweep.unref();
      server.once('close', () => clearInterval(sweep));
    },
  };
}
