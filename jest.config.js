// Tests are compiled by tsc (one type-checked build, no transformer) and run from dist/.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: 'dist',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/bench/'],
  testEnvironment: 'node',
  testTimeout: 120000,
  // Integration tests start real servers; two workers match the 2-core machine.
  maxWorkers: 2,
};
