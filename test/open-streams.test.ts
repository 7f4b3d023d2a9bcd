// A streaming call its caller stops reading early is cancelled, not left running: grpc-js does
// not cancel a call when its stream is destroyed (what leaving a `for await` early does), so
// SpiceDB would go on computing and sending to nobody. Closing cancels the calls still open.
import { describe, expect, it, jest } from '@jest/globals';
import { Readable } from 'node:stream';
import { OpenStreams } from '../src/spicedb/open-streams.js';

/** a stream shaped like a grpc-js ClientReadableStream: items, then end (or not), and cancel() */
function call(items: number[], end = true) {
  const cancel = jest.fn();
  const stream = Object.assign(
    new Readable({
      objectMode: true,
      read() {
        for (const i of items.splice(0)) this.push(i);
        if (end) this.push(null);
      },
    }),
    { cancel },
  );
  return { stream, cancel };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('tracked streaming calls', () => {
  it('a call read to its end yields every item; its close after the end cancels it, a no-op for grpc-js then', async () => {
    const streams = new OpenStreams();
    const { stream, cancel } = call([1, 2, 3]);
    const got: number[] = [];
    for await (const i of streams.track(stream)) got.push(i as number);
    expect(got).toEqual([1, 2, 3]);
    await settle();
    // grpc-js ends the stream only once the call has its status: a cancel then changes nothing
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('a call left early by break is cancelled', async () => {
    const streams = new OpenStreams();
    const { stream, cancel } = call([1, 2, 3], false);
    for await (const i of streams.track(stream)) if (i === 1) break;
    await settle();
    expect(cancel).toHaveBeenCalled();
  });

  it('a call left early by a throw is cancelled', async () => {
    const streams = new OpenStreams();
    const { stream, cancel } = call([1, 2, 3], false);
    await expect(
      (async () => {
        for await (const _ of streams.track(stream)) throw new Error('the caller gave up');
      })(),
    ).rejects.toThrow('the caller gave up');
    await settle();
    expect(cancel).toHaveBeenCalled();
  });

  it('its signal cancels it; cancelAll cancels every call still open', async () => {
    const streams = new OpenStreams();
    const a = call([1], false);
    const b = call([1], false);
    const c = call([1], false);
    const abort = new AbortController();
    streams.track(a.stream, abort.signal);
    streams.track(b.stream);
    streams.track(c.stream);
    expect(a.cancel).not.toHaveBeenCalled();
    abort.abort();
    expect(a.cancel).toHaveBeenCalledTimes(1);
    streams.cancelAll();
    expect(b.cancel).toHaveBeenCalledTimes(1);
    expect(c.cancel).toHaveBeenCalledTimes(1);
  });
});
