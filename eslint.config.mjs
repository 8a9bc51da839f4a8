import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Native add-ons a kernel module may load; the main thread must not load them by importing pure code. */
const NATIVE_KERNELS =
  '(^|/)kernels/(onnx-session|detectors/(open|blazeface|haar|yunet|scrfd|model-input)|faces/face-models|features/(features|embedding))$';

/** The thread boundary (docs/ARCHITECTURE.md): what workers, kernels and the rest of src may import. */
const boundary = {
  // Workers run kernels and expose them; nothing of the pipelines, config, database or web belongs there.
  workers: [
    {
      regex: '^(\\.\\./)+src/(?!kernels/|pools/expose$)',
      message: 'Workers import only src/kernels/** and src/pools/expose.',
    },
  ],
  // Kernels run inside workers and sit below every layer that uses streams, config or the database.
  kernels: [
    {
      regex: '^(rxjs|kysely|zod|pg|@electric-sql/pglite)(/|$)',
      message: 'Kernels run in workers: no rxjs, kysely, zod, pg or PGlite (take plain types instead).',
    },
    {
      regex: '^(\\.\\./)+(config|pipelines|db|sinks|operators|pools|web|cli)(/|$)',
      message:
        'Kernels import nothing from higher layers (config, pipelines, db, sinks, operators, pools, web, cli).',
    },
  ],
  // The main thread may use kernels' types and pure code, never a module that loads a native add-on.
  mainThread: [
    {
      regex: NATIVE_KERNELS,
      allowTypeImports: true,
      message:
        'This kernel loads a native add-on (onnxruntime, OpenCV, sharp): only workers import it (types are fine).',
    },
    {
      regex: '^(\\.\\./)+workers/',
      message: 'Worker API types come from src/pools/kinds.ts, the only module that names worker files.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'assets/**', 'coverage/**', '*.js', '*.mjs'] },
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
  {
    files: ['workers/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: boundary.workers }] },
  },
  {
    files: ['src/kernels/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: boundary.kernels }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/kernels/**', 'src/pools/kinds.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: boundary.mainThread }] },
  },
  {
    // The one module that names worker files may import their API types (type-only).
    files: ['src/pools/kinds.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [boundary.mainThread[0], { ...boundary.mainThread[1], allowTypeImports: true }] },
      ],
    },
  },
);
