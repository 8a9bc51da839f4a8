/** Jest runs the TypeScript sources through ts-jest; worker threads load the tsc output in dist/. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  testTimeout: 60000,
  // Integration tests share one Postgres and the CPU: run files one at a time unless told otherwise.
  maxWorkers: 1,
};
