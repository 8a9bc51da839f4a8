import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'threads', message: 'Use src/pools (our wrapper around threads.js).' }] },
      ],
    },
  },
  {
    files: ['src/pools/**/*.ts', 'workers/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
