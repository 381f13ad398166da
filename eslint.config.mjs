import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Layer rules, checked by a tool: pure code imports no framework or adapter; apps talk over the bus;
// tests may also use the testing library.
const boundaries = (extra) => ({
  enforceBuildableLibDependency: false,
  allow: [],
  depConstraints: [
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [...extra] },
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', ...extra] },
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', ...extra] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', ...extra] },
    // The all-in-one acts on the fleet simulator when there is no real fleet (DESIGN: Modes).
    { sourceTag: 'type:host', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:app', 'type:simulator', ...extra] },
    { sourceTag: 'type:simulator', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', ...extra] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:app', 'type:host', 'type:simulator', 'type:tool', ...extra] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.somnus/**', 'coverage/**', '.nx/**', 'reports/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: {
      // One program for the whole workspace (the root tsconfig includes every .ts file): the project service
      // would build one per lib tsconfig and takes about 2.5 times as long.
      parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // A promise nobody awaits loses its rejection; these three are the reason typed linting is on.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Off until the code they flag is cleaned up (issue 8); each still reports in files being changed now.
      // require-await: async methods that implement a Promise-returning port without awaiting (fakes, memory adapters).
      '@typescript-eslint/require-await': 'off',
      // no-unnecessary-type-assertion: turn on with noUncheckedIndexedAccess, which makes index `!`s necessary.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // no-unsafe-*: JSON.parse and jest matchers (expect.any, expect.objectContaining) in tests, one driver.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // unbound-method: jest.fn() methods passed to expect(); driver method tables.
      '@typescript-eslint/unbound-method': 'off',
      // no-base-to-string: String(unknown) in error messages.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries([])],
    },
  },
  {
    files: ['libs/domain/**/*.ts', 'libs/policy/**/*.ts', 'libs/contracts/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'pg', 'nats', 'ioredis', 'ssh2', 'wake_on_lan', '@kubernetes/*', 'node:fs', 'node:net', 'node:dgram', 'fs', 'net', 'dgram', 'node:child_process'], message: 'domain, policy and contracts are pure: no framework, no I/O, no adapter' },
          ],
        },
      ],
    },
  },
  {
    // Tests and their helpers may also compose services and drive them against the fleet simulator.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.contract.ts', '**/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries(['type:testing', 'type:app', 'type:host', 'type:simulator', 'type:tool'])] },
  },
);
