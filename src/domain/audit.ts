// Audit events: one per write, in the domain's words. The sink (a pino stream of its own, see
// main.ts) is injected; events carry refs for individuals, never a SIN.
export interface AuditEvent {
  actor: string;
  operation: string;
  target: string;
  before?: unknown;
  after?: unknown;
  consistencyToken: string;
  requestId: string;
}

export interface AuditSink {
  record(event: AuditEvent): void;
}
