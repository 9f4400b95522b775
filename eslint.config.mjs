// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', 'coverage/', 'test-output/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The sandbox page runs in the browser as plain ES modules, served as they are.
    files: ['devkit/sandbox/page/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // The product never reaches into the development kit (stand-in, sandbox, launcher): the build has none of
    // it. The typescript-eslint twin of no-restricted-imports, so each layer's own list cannot replace this one.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/devkit', '**/devkit/**'], message: 'src/ is the product; devkit/ only uses it, never the reverse.' }] },
      ],
    },
  },
  {
    // The domain core stays pure: no Slack, Prisma, BullMQ, Redis or network.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@slack/*',
            '@prisma/*',
            'bullmq',
            'ioredis',
            'pg',
            '../generated/*',
            '../db/*',
            '../jobs/*',
            '../slack/*',
            '../providers/*',
            'node:http',
            'node:net',
          ],
        },
      ],
    },
  },
);
