// The pino logger, with redaction of secrets and SINs. Nothing logs request bodies; paths are
// logged as route patterns (http/request-log.ts), so a SIN in a URL never reaches a line.
// As a last guard, any 9-digit run in a logged string is masked: a SIN is 9 digits (so is a BN,
// which logs therefore show masked too: a deliberate trade for never leaking a SIN).
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const NINE_DIGITS = /(?<![0-9])[0-9]{9}(?![0-9])/g;
export const maskNineDigits = (s: string): string => s.replace(NINE_DIGITS, '*********');

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskNineDigits(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: maskNineDigits(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[maskNineDigits(k)] = scrub(v, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'rac-authz' },
      redact: {
        paths: [
          'secret',
          '*.secret',
          'token',
          '*.token',
          'apiKeys',
          'pseudonymKey',
          'sin',
          '*.sin',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
      formatters: {
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // mask the message string too
          const masked = args.map((a) => (typeof a === 'string' ? maskNineDigits(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    destination,
  );
}

/**
 * The audit stream: one JSON line per write, `"stream":"audit"`, apart from the request logs.
 * Events are built from normalised ids (refs for individuals), so no SIN can be in one.
 */
export function createAuditLogger(destination?: DestinationStream): Logger {
  return pino({ level: 'info', base: { service: 'rac-authz', stream: 'audit' } }, destination);
}
