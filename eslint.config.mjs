// ESLint flat config: typescript-eslint with type-aware rules (STYLE.md §12:
// strict TypeScript, no `any`, `import type`, no floating promises).
// Only TypeScript is linted; plain JS (this file, scripts/*.mjs) is ignored.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/', '.tap/', 'data/', '**/*.mjs', '**/*.js', '**/*.cjs']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // tap ends a test when the promise its callback returns settles, so test
    // callbacks are `async` even when they await nothing.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
