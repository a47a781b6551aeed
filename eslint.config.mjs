// ESLint flat config (issue #14 "habits"): typescript-eslint's recommended rules on the
// TypeScript sources, run by scripts/test.sh before jest and required to pass with no warnings.
// Formatting is Prettier's job (.prettierrc.json, checked by scripts/test.sh). The only
// layout-related rule these configs turn on is no-unexpected-multiline, which the formatted tree
// passes, so eslint-config-prettier is not needed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.tinyops/**',
      'test-results/**',
      'infra/**',
      'firmware/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs', // bench scripts run by hand (test/bench/*/scripts), like the *.js / *.mjs ones
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // package.json is read at run time, not compiled into dist/.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['package\\.json$'] }],
    },
  },
  {
    // Tests may use `any` to poke at shapes on purpose; public code may not.
    files: ['test/**/*.ts'],
    // and load a module afresh with require() to test module-level state.
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
