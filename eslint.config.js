// ESLint flat config: ESLint's and typescript-eslint's recommended rules over every source file
// written by hand (TypeScript, the JavaScript actors and examples, the scaffold's template).
// `npm run lint`; the formatter (Prettier, `npm run format:check`) owns layout, so no rule here
// is about it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'fixtures/.cache/', 'fixtures/actors/multi-file/node_modules/', 'test-output/', 'coverage/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a binding left unused on purpose (a parameter a signature
      // needs, a member taken out of a rest object); tsc's noUnused* flags the others too.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // A `let` read by a closure before its one assignment (a callback set up first) stays `let`,
      // and a destructuring stays `let` when any of its names is reassigned.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true, destructuring: 'all' }],
      // Signed notes and checkpoints are checked for control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // JSON bodies in tests and benchmarks are read as `any`, and the comlink adapter's
    // declaration mirrors comlink's own; strict tsc still refuses an implicit any.
    files: ['test/**', 'bench/**', 'examples/**', '**/*.d.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The declarations shipped in types/ bring in the ambient module of the runtime's imports.
    files: ['types/**/*.d.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': 'off' },
  },
  {
    // Actors run in the component's JavaScript engine (SpiderMonkey), which has the web's globals.
    files: ['examples/**/*.js', 'fixtures/actors/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
);
