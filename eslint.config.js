// Lint rules that keep the planes apart (DESIGN.md §5): the data plane never reaches into
// the control plane, and library code logs through pino, not the console.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const root = path.dirname(new URL(import.meta.url).pathname);
const controlPlane = ['xds', 'config', 'registry', 'ca', 'analyze', 'cli'].map((dir) => path.join(root, 'src', dir) + path.sep);

/** Resolves each relative import and refuses those that land in the control plane. */
const planeBoundary = {
  meta: { type: 'problem', messages: { forbidden: 'src/proxy must not import the control plane ({{target}}); share only src/api and small utilities (DESIGN.md §5).' } },
  create(context) {
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(context.filename), spec);
      const hit = controlPlane.find((dir) => target.startsWith(dir));
      if (hit) context.report({ node, messageId: 'forbidden', data: { target: path.relative(root, target) } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

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
    plugins: { plexus: { rules: { 'plane-boundary': planeBoundary } } },
    rules: { 'plexus/plane-boundary': 'error' },
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
