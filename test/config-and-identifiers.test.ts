// Unit tests of the edges: configuration parsing, identifier grammars, pseudonyms.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';
import { clientSchema, luhnValid, repIdSchema } from '../src/domain/identifiers.js';
import { createPseudonymizer } from '../src/domain/pseudonym.js';
import { DEFAULT_DECISION_CACHE_SIZE, defaultDecisionCacheSize } from '../src/spicedb/index.js';

describe('configuration', () => {
  it('defaults: embedded SpiceDB, 127.0.0.1:8080, one generated key with every scope', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      spicedb: { backend: 'embedded' },
      generatedKey: true,
      logLevel: 'info',
      checkBatch: { maxBatch: 100, maxWaitMs: 0, maxInFlight: 0 },
      rateLimitPerMinute: 600000,
    });
    // unset: the engine's default (defaultDecisionCacheSize)
    expect(c.decisionCacheSize).toBeUndefined();
    expect(c.apiKeys).toHaveLength(1);
    expect(c.apiKeys[0]!.scopes).toEqual(['check', 'admin', 'ops']);
    expect(c.apiKeys[0]!.secret.length).toBeGreaterThanOrEqual(32);
    expect(c.ephemeralPseudonymKey).toBe(true);
  });

  it('parses RAC_API_KEYS: scopes joined by +, several keys per scope', () => {
    const [k1, k2, k3] = ['k1'.repeat(8), 'k2'.repeat(8), 'k3'.repeat(8)];
    expect(parseApiKeys(`check:${k1},admin+check:${k2}, check:${k3}`)).toEqual([
      { id: 'key1:check', secret: k1, scopes: ['check'] },
      { id: 'key2:admin+check', secret: k2, scopes: ['admin', 'check'] },
      { id: 'key3:check', secret: k3, scopes: ['check'] },
    ]);
  });

  it.each([
    ['an unknown scope', { RAC_API_KEYS: 'root:secret123' }],
    ['no colon', { RAC_API_KEYS: 'secret123' }],
    ['a short secret with a SpiceDB server', { RAC_API_KEYS: 'check:abc', SPICEDB_ENDPOINT: 'spicedb:50051', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }],
    ['an empty secret', { RAC_API_KEYS: 'check:' }],
    ['a short secret on an address other machines reach', { RAC_API_KEYS: 'check:abc', HOST: '0.0.0.0' }],
    ['a short secret on a public address', { RAC_API_KEYS: 'check:abc', HOST: '10.0.0.5' }],
    ['a server without token', { SPICEDB_ENDPOINT: 'localhost:50051' }],
    ['a server without pseudonym key', { SPICEDB_ENDPOINT: 'localhost:50051', SPICEDB_TOKEN: 'x' }],
    ['an endpoint without port', { SPICEDB_ENDPOINT: 'localhost', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }],
    ['a bad port', { PORT: 'eighty' }],
    ['a short pseudonym key', { RAC_PSEUDONYM_KEY: 'short' }],
    ['a bad log level', { LOG_LEVEL: 'loud' }],
    ['a list of nodes over TLS without the name their certificates carry', { SPICEDB_ENDPOINT: '10.0.0.1:50051,10.0.0.2:50051', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32), RAC_API_KEYS: 'check:long-enough-key-1' }],
    ['an empty port (would listen on a random one)', { PORT: '' }],
    ['an empty decision cache size (would turn it off)', { RAC_DECISION_CACHE_SIZE: ' ' }],
    ['an empty endpoint', { SPICEDB_ENDPOINT: '' }],
    ['an endpoint port past 65535', { SPICEDB_ENDPOINT: 'spicedb:99999', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }],
    ['an endpoint port 0', { SPICEDB_ENDPOINT: 'spicedb:0', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }],
    ['a node of a list with a port past 65535', { SPICEDB_ENDPOINT: '10.0.0.1:50051,10.0.0.2:70000', SPICEDB_TOKEN: 'x', SPICEDB_INSECURE: 'true', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }],
    ['a negative shutdown grace', { RAC_SHUTDOWN_GRACE_MS: '-1' }],
    ['a secret with a space (no request could present it)', { RAC_API_KEYS: 'check:my secret123 with spaces' }],
    ['one secret in two entries (requests would match the first only; its scopes join with +)', { RAC_API_KEYS: 'check:same-secret-000001,admin:same-secret-000001' }],
  ])('refuses %s, without echoing a secret', (_label, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/secret123|abc\b/);
    }
  });

  it("takes the contract's own example with embedded SpiceDB on loopback (the default HOST), naming its short keys for a warning", () => {
    const c = loadConfig({ RAC_API_KEYS: 'check:k1,admin+check:k2,ops:k3' });
    expect(c.apiKeys.map((k) => [k.id, k.scopes])).toEqual([
      ['key1:check', ['check']],
      ['key2:admin+check', ['admin', 'check']],
      ['key3:ops', ['ops']],
    ]);
    expect(c.shortKeys).toEqual(['key1:check', 'key2:admin+check', 'key3:ops']);
    expect(loadConfig({ RAC_API_KEYS: 'check:long-enough-key-1' }).shortKeys).toEqual([]);
    // 15 characters are short: refused on a server, at 16 accepted
    const server = { SPICEDB_ENDPOINT: 'spicedb:50051', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) };
    expect(() => loadConfig({ ...server, RAC_API_KEYS: `check:${'s'.repeat(15)}` })).toThrow('shorter than 16 characters');
    expect(loadConfig({ ...server, RAC_API_KEYS: `check:${'s'.repeat(16)}` }).apiKeys).toHaveLength(1);
    expect(loadConfig({ RAC_API_KEYS: 'check:k1', HOST: '::1' }).shortKeys).toEqual(['key1:check']);
    expect(loadConfig({ RAC_API_KEYS: 'check:k1', HOST: 'localhost' }).shortKeys).toEqual(['key1:check']);
  });

  it('server backend with its token and a pseudonym key', () => {
    const c = loadConfig({ SPICEDB_ENDPOINT: 'spicedb:50051', SPICEDB_TOKEN: 'psk', SPICEDB_INSECURE: 'true', RAC_PSEUDONYM_KEY: 'k'.repeat(32) });
    expect(c.spicedb).toEqual({ backend: 'server', endpoint: 'spicedb:50051', token: 'psk', insecure: true, deadlineMs: 2000 });
    expect(c.ephemeralPseudonymKey).toBe(false);
  });

  it('plaintext gRPC to a SpiceDB not on loopback is flagged for a warning (its key would cross the network in clear); on loopback or over TLS it is not', () => {
    const server = { SPICEDB_TOKEN: 'psk', RAC_PSEUDONYM_KEY: 'k'.repeat(32) };
    const flagged = (endpoint: string, insecure: string) => loadConfig({ ...server, SPICEDB_ENDPOINT: endpoint, SPICEDB_INSECURE: insecure }).plaintextRemote;
    expect(flagged('spicedb:50051', 'true')).toBe(true);
    expect(flagged('10.0.0.5:50051', 'true')).toBe(true);
    expect(flagged('127.0.0.1:50051,10.0.0.5:50051', 'true')).toBe(true);
    expect(flagged('127.0.0.1:50051', 'true')).toBe(false);
    expect(flagged('[::1]:50051', 'true')).toBe(false);
    expect(flagged('localhost:50051', 'true')).toBe(false);
    expect(flagged('spicedb.example:443', 'false')).toBe(false);
    expect(loadConfig({}).plaintextRemote).toBe(false);
  });

  it('shutdown grace: 25 s unless RAC_SHUTDOWN_GRACE_MS says', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(25_000);
    expect(loadConfig({ RAC_SHUTDOWN_GRACE_MS: '40000' }).shutdownGraceMs).toBe(40_000);
    expect(loadConfig({ SPICEDB_ENDPOINT: 'spicedb:65535', SPICEDB_TOKEN: 'x', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }).spicedb).toMatchObject({ endpoint: 'spicedb:65535' });
  });

  it('check coalescing: at most 100 checks a bulk call on the embedded engine, no wait; 32 on a server, waiting 1 ms under load; unless RAC_CHECK_BATCH_MAX or _WAIT_MS say', () => {
    const server = { SPICEDB_ENDPOINT: 'spicedb:50051', SPICEDB_TOKEN: 'psk', RAC_PSEUDONYM_KEY: 'k'.repeat(32) };
    expect(loadConfig({}).checkBatch).toEqual({ maxBatch: 100, maxWaitMs: 0, maxInFlight: 0 });
    expect(loadConfig(server).checkBatch).toEqual({ maxBatch: 32, maxWaitMs: 1, maxInFlight: 0 });
    expect(loadConfig({ ...server, RAC_CHECK_BATCH_WAIT_MS: '0' }).checkBatch.maxWaitMs).toBe(0);
    expect(loadConfig({ RAC_CHECK_BATCH_WAIT_MS: '5' }).checkBatch.maxWaitMs).toBe(5);
    expect(() => loadConfig({ RAC_CHECK_BATCH_WAIT_MS: '51' })).toThrow(ConfigError);
    expect(loadConfig({ ...server, RAC_CHECK_BATCH_MAX: '100' }).checkBatch.maxBatch).toBe(100);
    expect(loadConfig({ RAC_CHECK_BATCH_MAX: '8' }).checkBatch.maxBatch).toBe(8);
    expect(() => loadConfig({ RAC_CHECK_BATCH_MAX: '0' })).toThrow(ConfigError);
  });

  it("SPICEDB_CA_CERT: TLS trusting that authority's PEM file; refused unreadable, not PEM, plaintext or embedded; SPICEDB_TLS_SERVER_NAME", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rac-ca-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      writeFileSync(join(dir, 'ca.pem'), pem);
      writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n');
      const server = { SPICEDB_ENDPOINT: 'spicedb.internal:50051', SPICEDB_TOKEN: 'psk', RAC_PSEUDONYM_KEY: 'k'.repeat(32) };
      const c = loadConfig({ ...server, SPICEDB_CA_CERT: join(dir, 'ca.pem') });
      expect(c.spicedb).toEqual({ backend: 'server', endpoint: 'spicedb.internal:50051', token: 'psk', insecure: false, caCert: Buffer.from(pem), deadlineMs: 2000 });
      expect(loadConfig(server).spicedb).not.toHaveProperty('caCert'); // the system's authorities
      const refused = (env: Record<string, string>) => {
        try {
          loadConfig(env);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message).not.toContain('secret'); // the variable named, never the file's content
          return (err as Error).message;
        }
        throw new Error('accepted');
      };
      expect(refused({ ...server, SPICEDB_CA_CERT: join(dir, 'missing.pem') })).toBe('SPICEDB_CA_CERT: the file cannot be read');
      expect(refused({ ...server, SPICEDB_CA_CERT: join(dir, 'key.pem') })).toBe('SPICEDB_CA_CERT: the file holds no PEM certificate');
      expect(refused({ ...server, SPICEDB_INSECURE: 'true', SPICEDB_CA_CERT: join(dir, 'ca.pem') })).toContain('SPICEDB_CA_CERT and SPICEDB_INSECURE=true');
      expect(refused({ SPICEDB_CA_CERT: join(dir, 'ca.pem') })).toContain('set SPICEDB_ENDPOINT too');
      // the name SpiceDB's certificate carries, for an endpoint by address or a list of nodes
      expect(loadConfig({ ...server, SPICEDB_TLS_SERVER_NAME: 'spicedb.internal' }).spicedb).toMatchObject({ tlsServerName: 'spicedb.internal' });
      expect(refused({ ...server, SPICEDB_TLS_SERVER_NAME: 'not a name' })).toBe('SPICEDB_TLS_SERVER_NAME: must be a DNS name');
      expect(refused({ ...server, SPICEDB_INSECURE: 'true', SPICEDB_TLS_SERVER_NAME: 'spicedb.internal' })).toContain('SPICEDB_TLS_SERVER_NAME and SPICEDB_INSECURE=true');
      expect(refused({ SPICEDB_TLS_SERVER_NAME: 'spicedb.internal' })).toContain('SPICEDB_TLS_SERVER_NAME is for a SpiceDB server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SPICEDB_EMBEDDED_LIBRARY picks the embedded engine build, and excludes SPICEDB_ENDPOINT', () => {
    expect(loadConfig({ SPICEDB_EMBEDDED_LIBRARY: '/opt/rac/librac-spicedb.so' }).spicedb).toEqual({ backend: 'embedded', library: '/opt/rac/librac-spicedb.so' });
    expect(() =>
      loadConfig({ SPICEDB_EMBEDDED_LIBRARY: '/opt/rac/librac-spicedb.so', SPICEDB_ENDPOINT: 'spicedb:50051', SPICEDB_TOKEN: 'psk', RAC_PSEUDONYM_KEY: 'k'.repeat(32) }),
    ).toThrow('choose one backend');
  });

  it('the decision cache: RAC_DECISION_CACHE_SIZE when set; else on with the package engine only', () => {
    expect(loadConfig({ RAC_DECISION_CACHE_SIZE: '0' }).decisionCacheSize).toBe(0);
    expect(loadConfig({ RAC_DECISION_CACHE_SIZE: '5000' }).decisionCacheSize).toBe(5000);
    expect(() => loadConfig({ RAC_DECISION_CACHE_SIZE: '-1' })).toThrow(ConfigError);
    expect(defaultDecisionCacheSize({ backend: 'embedded' })).toBe(DEFAULT_DECISION_CACHE_SIZE);
    // the own engine answers repeats from SpiceDB's dispatch cache: no cache of decisions on top
    expect(defaultDecisionCacheSize({ backend: 'embedded', library: '/x/librac-spicedb.so' })).toBe(0);
    // ... unless that engine runs with SpiceDB's cache off (the benchmark's setting)
    expect(defaultDecisionCacheSize({ backend: 'embedded', library: '/x/librac-spicedb.so', dispatchCache: false })).toBe(DEFAULT_DECISION_CACHE_SIZE);
    expect(defaultDecisionCacheSize({ backend: 'server', endpoint: 'h:1', token: 't', insecure: true, deadlineMs: 1000 })).toBe(0);
  });
});

describe('identifiers', () => {
  it.each([
    ['046454286', true],
    ['130692544', true],
    ['046454287', false],
    ['123456789', false],
  ])('Luhn %s: %s', (sin, valid) => {
    expect(luhnValid(sin)).toBe(valid);
  });

  it('RepIDs are upper-cased and must be 7 of A-Z 0-9', () => {
    expect(repIdSchema.parse('a1b2c3d')).toBe('A1B2C3D');
    expect(repIdSchema.safeParse('A1B2C3').success).toBe(false);
    expect(repIdSchema.safeParse('A1B2C3DE').success).toBe(false);
    expect(repIdSchema.safeParse('A1B2C3É').success).toBe(false);
    // letters that upper-case into A-Z (ſ → S, ı → I, ß → SS, ﬀ → FF) are not RepID characters:
    // the grammar is tested on what the caller sent, not on its upper case
    for (const s of ['ſrep001', 'ıREP001', 'abcdeß', 'ABCDEﬀ', 'ＡBCDEFG']) expect(repIdSchema.safeParse(s).success).toBe(false);
  });

  it('an individual id is a SIN or a 64-hex ref, told apart by shape', () => {
    expect(clientSchema.parse({ type: 'individual', id: '046454286' })).toEqual({ type: 'individual', sin: '046454286' });
    const ref = 'ab'.repeat(32);
    expect(clientSchema.parse({ type: 'individual', id: ref })).toEqual({ type: 'individual', ref });
    expect(clientSchema.safeParse({ type: 'individual', id: 'AB'.repeat(32) }).success).toBe(false);
    expect(clientSchema.parse({ type: 'trust', id: 'T12345678' })).toEqual({ type: 'trust', trustNumber: 'T12345678' });
  });
});

describe('pseudonyms', () => {
  it('are keyed, stable, one-way and never contain the SIN', () => {
    const a = createPseudonymizer('key-a-0123456789abcdef');
    const b = createPseudonymizer('key-b-0123456789abcdef');
    expect(a('046454286')).toBe(a('046454286'));
    expect(a('046454286')).not.toBe(b('046454286'));
    expect(a('046454286')).toMatch(/^[0-9a-f]{64}$/);
    expect(a('046454286')).not.toContain('046454286');
  });
});
