// The streaming calls (lookups, reads) a SpiceDB client has open, so that closing the client can
// cancel them: a caller may stop reading a stream before its end, and an engine in this process
// waits for its open streams before it stops.
//
// A caller that stops early (a `for await` left by break, return or throw) destroys the stream,
// and grpc-js does not cancel the call on destroy: SpiceDB would go on computing and sending to
// nobody (until the stream's deadline, minutes on the server backend). So a tracked call is
// cancelled when its stream closes; after a normal end that is a no-op.

/** what a gRPC streaming call offers here */
export interface StreamCall {
  cancel(): void;
  once(event: 'close', listener: () => void): unknown;
}

export class OpenStreams {
  private readonly open = new Set<StreamCall>();

  /** remembers `call` until it closes, and returns it; `signal`, if given, cancels it */
  track<T extends StreamCall>(call: T, signal?: AbortSignal): T {
    this.open.add(call);
    call.once('close', () => {
      this.open.delete(call);
      call.cancel();
    });
    if (signal?.aborted) call.cancel();
    else signal?.addEventListener('abort', () => call.cancel(), { once: true });
    return call;
  }

  cancelAll(): void {
    for (const call of this.open) call.cancel();
    this.open.clear();
  }
}
