import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noImportCycles from './eslint-rules/no-import-cycles.js';

export default tseslint.config(
  { ignores: ['dist/**', 'sdk/dist/**', 'node_modules/**', 'data/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // import cycles, type-only imports included, between files and between the folders of src/
    files: ['**/*.ts'],
    plugins: { borealis: { rules: { 'no-import-cycles': noImportCycles } } },
    rules: {
      'borealis/no-import-cycles': [
        'error',
        {
          // Known debt, not to grow: schedules and group pushes reuse the JPush push parser and
          // the HTTP auth helpers of api/, whose routes call them back. Moving those helpers below
          // api/ removes these two lines.
          allowFolderEdges: ['schedules/ -> api/', 'groups/ -> api/'],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
