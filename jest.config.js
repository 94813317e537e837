/**
 * Two projects: `unit` (pure logic, no database) and `integration` (PostgreSQL and HTTP).
 * The integration project starts one PostgreSQL per run (test/global-setup.ts); each test file
 * creates its own database on it.
 */
const moduleNameMapper = {
  '^@bistand/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@bistand/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json'  }] };
const common = { rootDir: __dirname, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper, transform };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
