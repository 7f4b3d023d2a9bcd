// The one translation table from SpiceDB/gRPC failures to domain errors. Both backends throw
// through here: the server client raises grpc ServiceErrors with a numeric code; the embedded
// engine raises plain Errors whose message reads "rpc error: code = <Name> desc = ...".
// Nothing upstream re-maps, and no message from the engine reaches a caller verbatim.
import {
  ConflictError,
  DomainError,
  UnknownConsistencyTokenError,
  StoreInternalError,
  StoreRejectedError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '../domain/errors.js';

const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
] as const;
export type GrpcCodeName = (typeof CODE_NAMES)[number];

/** The gRPC status name of an error from either backend, or undefined when it carries none. */
export function grpcCodeOf(err: unknown): GrpcCodeName | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 0 && code < CODE_NAMES.length) return CODE_NAMES[code];
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string') {
    const m = /code = (\w+)/.exec(message);
    if (m && (CODE_NAMES as readonly string[]).includes(m[1]!)) return m[1] as GrpcCodeName;
  }
  return undefined;
}

/** Maps any failure of a SpiceDB call to a domain error; `operation` names the call for logs. */
export function toDomainError(err: unknown, operation: string): DomainError {
  if (err instanceof DomainError) return err;
  const code = grpcCodeOf(err);
  const message = String((err as { message?: unknown })?.message ?? '');
  // what a caller causes: a consistency token SpiceDB did not issue (InvalidArgument), or one
  // ahead of its datastore (OutOfRange: "invalid zedtoken", after a restore from an older backup)
  const mapped =
    (code === 'InvalidArgument' || code === 'OutOfRange') && /revision|zedtoken/i.test(message)
      ? new UnknownConsistencyTokenError()
      : code === 'FailedPrecondition' && !WRITES.has(operation)
        ? // a read SpiceDB cannot do: the schema it holds lacks what was asked (another instance
          // wrote an older schema): no decision, never the caller's 409
          new StoreInternalError(`${operation}: SpiceDB's schema does not fit this service`)
        : code === 'FailedPrecondition' && operation !== 'WriteSchema' && !/write precondition/i.test(message)
          ? // a write SpiceDB refuses for another reason than a precondition that did not hold (a
            // relation its schema lacks): the service's fault, not the caller's 409
            new StoreRejectedError(`${operation}: SpiceDB refused the change (its schema does not fit it)`)
          : mapByCode(code, operation);
  // the engine's own words stay on `cause`, for the service's logs only
  mapped.cause = err;
  return mapped;
}

/** the calls whose FailedPrecondition is a precondition that did not hold (a 409) */
const WRITES = new Set(['WriteRelationships', 'DeleteRelationships', 'WriteSchema']);

function mapByCode(code: GrpcCodeName | undefined, operation: string): DomainError {
  switch (code) {
    case 'FailedPrecondition':
      // a write precondition did not hold: the state changed under the command
      return new ConflictError(`${operation}: the current state does not allow this change`);
    case 'AlreadyExists':
      return new ConflictError(`${operation}: already exists`);
    case 'DeadlineExceeded':
      return new StoreTimeoutError(`${operation}: SpiceDB did not answer in time`);
    case 'Internal':
    case 'Unknown':
    case 'DataLoss':
    // SpiceDB answers Internal when its datastore cannot be reached ("unable to find revision:
    // failed to connect"): SpiceDB cannot answer, the caller may retry (the contract's 503)
    case 'Unavailable':
    case 'ResourceExhausted':
    case 'Aborted':
    case 'Canceled':
    case undefined: // a transport failure without a status: treat as unreachable
      return new StoreUnavailableError(`${operation}: SpiceDB is unavailable`);
    case 'InvalidArgument':
    case 'NotFound':
    case 'OutOfRange':
      return new StoreRejectedError(`${operation}: SpiceDB rejected the request (${code})`);
    case 'Unauthenticated':
    case 'PermissionDenied':
      // a credential problem between us and SpiceDB is ours, never the caller's 401/403
      return new StoreUnavailableError(`${operation}: SpiceDB refused the service's credentials`);
    default:
      // Unimplemented and the like: this SpiceDB and this service do not fit; retrying will not help
      return new StoreInternalError(`${operation}: SpiceDB failed (${code})`);
  }
}
