// The HTTP server around the app: header size limit (64 KiB, room for the longest legal query,
// a 4096-character cursor percent-encoded), timeouts, and malformed or oversized requests that
// Node refuses before Express sees them answered as problem+json too.
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

export const MAX_HEADER_BYTES = 64 * 1024;

function rawProblem(status: number, title: string): string {
  const body = JSON.stringify({ type: `/problems/${status === 431 ? 'headers-too-large' : 'bad-request'}`, title, status });
  return (
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

export function createHttpServer(app: Express): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    socket.end(rawProblem(tooLarge ? 431 : 400, tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'));
  });
  return server;
}
