// Streaming both ways: write a chunk of a response, waiting for the socket to drain when its
// buffer is full, so a long answer (a lookup page, an export) is never held whole in memory; and
// read a request body line by line, never holding more than one bounded line of it.
import type { Request, Response } from 'express';
import { StringDecoder } from 'node:string_decoder';

/** the caller closed its connection before the whole answer was written */
export class CallerGone extends Error {
  constructor() {
    super('the caller closed the connection before the answer was whole');
  }
}

/**
 * Writes a chunk, waiting for the socket to drain when its buffer is full; fails with CallerGone
 * once the caller's connection is closed (a closed socket never drains: without this, the
 * writer, and the SpiceDB stream it reads from, would wait for good).
 */
export async function writeChunk(res: Response, chunk: string): Promise<void> {
  if (res.destroyed || res.socket?.destroyed) throw new CallerGone();
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (gone: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (gone) reject(new CallerGone());
      else resolve();
    };
    const onDrain = () => settle(false);
    const onClose = () => settle(true);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * The body's lines (without their line ends), each held at most `max` characters long: a line
 * that grows past it is yielded cut at `max + 1` characters (for the reader to refuse, naming its
 * number), and reading stops there; the connection then closes after the answer rather than
 * read the rest. (readline would hold a line of any length whole, and a line of hundreds of
 * megabytes, a file sent without its newlines, would exhaust the process.)
 */
export async function* boundedLines(req: Request, max: number): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let complete = false;
  try {
    // not destroyed when left early: the answer (a 400 naming the line) still goes out on its socket
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
        yield pending.slice(start, nl > start && pending[nl - 1] === '\r' ? nl - 1 : nl);
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (pending.length > max) {
        yield pending.slice(0, max + 1);
        return;
      }
    }
    pending += decoder.end();
    if (pending.length > 0) yield pending;
    complete = true;
  } finally {
    if (!complete && !req.readableEnded) req.res?.setHeader('Connection', 'close');
  }
}
