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
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
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
