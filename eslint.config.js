// Lint: typescript-eslint's recommended rules plus the bans that make Moat
// what it is (DESIGN.md property 1): no child processes, no eval, no
// Function constructor, no dynamic require, anywhere in product code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const banned = 'Moat never runs attachment-derived data through a shell or interpreter (DESIGN.md, property 1).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // A mail gateway matches control characters on purpose: to find and neutralise them.
      'no-control-regex': 'off',
    },
  },
  {
    // The admin UI runs in the browser: browser globals, and never raw HTML from data (mail is hostile).
    files: ['ui/src/**/*.ts', 'ui/src/**/*.tsx'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', URL: 'readonly', Event: 'readonly', HTMLElement: 'readonly', HTMLAnchorElement: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Render API data as text; the only HTML of a message is the sandboxed preview iframe.' },
        { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]", message: 'Render API data as text.' },
        { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]", message: 'Render API data as text.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'bin/**/*.js'],
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'child_process', message: banned },
            { name: 'node:child_process', message: banned },
            { name: 'vm', message: banned },
            { name: 'node:vm', message: banned },
            { name: 'cluster', message: banned },
            { name: 'node:cluster', message: banned },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Function']", message: banned },
        { selector: "CallExpression[callee.name='Function']", message: banned },
        { selector: "CallExpression[callee.name='require']", message: 'ESM only; no dynamic require.' },
        { selector: 'ImportExpression', message: 'No dynamic import() in product code: every module is known at build time.' },
      ],
    },
  },
);
