// Domain errors: what can go wrong, in the domain's words. The http layer maps each class to
// one problem+json type (http/problem.ts); the spicedb layer maps gRPC failures to these
// (spicedb/errors.ts). Nothing else re-maps.

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request that names something invalid: the caller's fault (400). */
export class InvalidRequestError extends DomainError {
  constructor(message: string, readonly errors: Array<{ path: string; message: string }> = []) {
    super(message);
  }
}

/**
 * A consistency token the engine did not issue (400). The error names it `consistency token`; the
 * http layer names it as the caller sent it (a header or a body field).
 */
export class UnknownConsistencyTokenError extends InvalidRequestError {
  static readonly PATH = 'consistency token';
  constructor() {
    super('The consistency token is not one this service issued.', [
      { path: UnknownConsistencyTokenError.PATH, message: 'is not a valid consistency token' },
    ]);
  }
}

/** The authorization engine could not answer (unreachable, overloaded): fail closed (503). */
export class StoreUnavailableError extends DomainError {}

/** The authorization engine did not answer in time (503, type engine-timeout). */
export class StoreTimeoutError extends DomainError {}

/** The engine answered with an error that is not the caller's fault (500). */
export class StoreInternalError extends DomainError {}

/** The engine rejected a request the domain built (a bug on our side, or a schema mismatch). */
export class StoreRejectedError extends DomainError {}

/** A precondition of a write did not hold: the state changed under the command (409). */
export class ConflictError extends DomainError {}

/** The thing named does not exist (404). */
export class NotFoundError extends DomainError {}

/** The actor (RAC-Actor) may not perform the operation (403 forbidden-actor). */
export class ForbiddenActorError extends DomainError {}
