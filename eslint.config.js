// Lint rules that keep the planes apart (DESIGN.md §5): the data plane never reaches into
// the control plane, and library code logs through pino, not the console.
import tseslint from 'typescript-eslint';

const controlPlane = ['xds', 'config', 'registry', 'ca', 'analyze'];
const controlPlanePatterns = controlPlane.flatMap((dir) => [`**/${dir}/**`, `../${dir}/*`, `../../${dir}/*`]);

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/proxy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: controlPlanePatterns, message: 'src/proxy must not import the control plane (DESIGN.md §5).' }],
      }],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    ignores: ['src/api/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:fs', 'node:net', 'node:http', 'fs', 'net', 'http'], message: 'src/api holds types and validation only: no I/O.' }],
      }],
    },
  },
);
