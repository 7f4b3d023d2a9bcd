// The HTTP server around the app: header size limit (64 KiB, room for the longest legal query,
// a 4096-character cursor percent-encoded), timeouts, and malformed or oversized requests that
// Node refuses before Express sees them answered as problem+json too. Requests and responses are
// made with Express's own prototypes (expressClasses).
import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

export const MAX_HEADER_BYTES = 64 * 1024;

/** what Node refuses before any handler runs, answered as Node would (408, 413, 431, else 400) */
const CLIENT_ERRORS: Record<string, { status: number; slug: string; title: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, slug: 'headers-too-large', title: 'Request Header Fields Too Large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, slug: 'payload-too-large', title: 'Payload Too Large' },
  // the whole request (an upload, say) took longer than requestTimeout
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', title: 'Request Timeout' },
};
const BAD_REQUEST = { status: 400, slug: 'bad-request', title: 'Bad Request' };

function rawProblem({ status, slug, title }: { status: number; slug: string; title: string }): string {
  const body = JSON.stringify({ type: `/problems/${slug}`, title, status });
  return (
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/**
 * Node's request and response classes for this app, whose prototypes are the app's own
 * (`app.request`, `app.response`: Express's methods over Node's). Express sets those prototypes
 * on every request it handles (Object.setPrototypeOf); on objects built with them already it
 * changes nothing. Changing a live object's prototype makes V8 drop what it had learnt about
 * the object's shape, for Express's code and Node's HTTP code alike: measured at the server
 * backend's request rate (~880 requests a second, 64 connections), about 0.1 ms of CPU a request,
 * a third of the whole app's HTTP cost (test/bench/NOTES.md; the idea is Express issue #5998's).
 * Sub-apps would still set their own prototypes; this app mounts routers, not apps.
 */
export function expressClasses(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  // constructor functions, not classes: a class's prototype cannot be replaced
  function Request(this: IncomingMessage, socket: Socket) {
    IncomingMessage.call(this, socket);
  }
  Request.prototype = app.request;
  function Response(this: ServerResponse, req: IncomingMessage, options?: object) {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  Response.prototype = app.response;
  return { IncomingMessage: Request as unknown as typeof IncomingMessage, ServerResponse: Response as unknown as typeof ServerResponse };
}

/** `listener`: what gets the requests (default: the app; the benchmark puts its probes before it) */
export function createHttpServer(app: Express, listener: RequestListener = app): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, ...expressClasses(app) }, listener);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: ServerResponse | null }) => {
    // an answer already under way on this connection (a response streaming while a pipelined
    // request failed) is not interrupted by another: the connection just closes
    if (!socket.writable || socket._httpMessage?.headersSent) return socket.destroy();
    socket.end(rawProblem(CLIENT_ERRORS[err.code ?? ''] ?? BAD_REQUEST));
  });
  return server;
}
