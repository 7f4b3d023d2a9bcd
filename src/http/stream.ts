// Streaming responses: write a chunk, waiting for the socket to drain when its buffer is full,
// so a long answer (a lookup page, an export) is never held whole in memory.
import type { Response } from 'express';

export async function writeChunk(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
}
