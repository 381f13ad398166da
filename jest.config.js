// One Jest run, three tiers: unit tests beside the code, integration tests against real services and the
// embedded adapters, end-to-end tests of the whole system. `npm test` runs all three.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// @kubernetes/client-node 1.x ships ES modules only, and PGlite loads Node built-ins with import(): Jest runs
// CommonJS without VM modules, so SWC transforms both to require().
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', '@electric-sql'];
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.somnus/'],
};

module.exports = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e-spec.ts'] },
  ],
};
