// One lint configuration for every package. The module-boundary rule enforces the import
// graph of docs/architecture.md ("Packages and the import rules"): a package may import only
// the packages its tag allows, and never another package's files by a relative path.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/.angular/**', 'web/**/*.html', '**/test-output/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:protocol', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:broker', onlyDependOnLibsWithTags: ['scope:protocol'] },
            { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:protocol'] },
            { sourceTag: 'scope:marketplace', onlyDependOnLibsWithTags: ['scope:protocol'] },
            { sourceTag: 'scope:plugin', onlyDependOnLibsWithTags: ['scope:protocol'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:protocol'] },
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:protocol', 'scope:broker'] },
            { sourceTag: 'scope:root', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      'no-undef': 'off', // TypeScript checks this better
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Test support stays out of production code paths: only specs, tests and other test
    // support may import the protocol's test-only entry.
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    ignores: ['**/*.spec.ts', '**/*.testing.ts', '**/test/**', '**/e2e/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@prophasis/protocol/testing', message: 'Test support: import it from specs and tests only.' }] },
      ],
    },
  },
  {
    // The kernel imports nothing else of the core (docs/architecture.md); the whole folder graph
    // of core/src is checked by scripts/check-core-graph.mjs. These options replace the block
    // above's for these files, so its restriction is repeated here, and specs stay out as there.
    files: ['core/src/kernel/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.testing.ts', '**/test/**', '**/e2e/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@prophasis/protocol/testing', message: 'Test support: import it from specs and tests only.' }],
          patterns: [{ group: ['../*'], message: 'The kernel imports nothing else of the core (docs/architecture.md)' }],
        },
      ],
    },
  },
  {
    // Command-line entry points, tests and benchmarks may print.
    files: ['**/bin/**', '**/*.spec.ts', '**/test/**', '**/e2e/**', '**/bench/**', 'scripts/**', '**/cli/**'],
    rules: { 'no-console': 'off' },
  },
];
