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
  ...layerBoundaries(),
);

/**
 * The layers, as docs/ARCHITECTURE.md draws them, kept by the linter rather than by habit:
 * - domain/ imports only itself (no package, no other folder);
 * - app/ imports only domain/ and its own files (ports.ts among them), and node:crypto for ids;
 * - the adapters (db, jobs, providers, slack, ops) import domain/, app/ports and shared/, never each
 *   other, main/ or another app/ module: they meet only in main/, the composition root;
 * - shared/ (logger, timeout, HTTP answers) imports nothing of ours;
 * - each SDK stays in the adapter that wraps it.
 */
function layerBoundaries() {
  const ADAPTERS = ['db', 'jobs', 'providers', 'slack', 'ops'];
  const PACKAGES = { db: ['@prisma/*'], jobs: ['bullmq'], slack: ['@slack/*'], providers: ['pg', 'mysql2', 'mysql2/*'] };
  const folderRegex = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
  const sdksOutside = (adapter) =>
    Object.entries(PACKAGES)
      .filter(([owner]) => owner !== adapter)
      .map(([owner, group]) => ({ group, message: `only ${owner}/ talks to this SDK; reach it through a port.` }));
  return [
    {
      files: ['src/domain/**/*.ts'],
      rules: rule([{ regex: '^(?!\\./)', message: 'domain/ is pure: it imports only its own files.' }]),
    },
    {
      files: ['src/app/**/*.ts'],
      rules: rule([
        {
          regex: '^(?!\\./|\\.\\./domain/|node:crypto$)',
          message: 'app/ imports only domain/ and its ports; adapters are given to it in main/.',
        },
      ]),
    },
    ...ADAPTERS.map((adapter) => ({
      files: [`src/${adapter}/**/*.ts`],
      rules: rule([
        {
          regex: folderRegex([...ADAPTERS.filter((other) => other !== adapter), 'main']),
          message: 'adapters never import each other or main/: they meet only in the composition root (src/main/).',
        },
        { regex: '^(\\.\\./)+app/(?!ports$)', message: 'an adapter knows app/ only by its ports (app/ports.ts).' },
        ...(adapter === 'db' ? [] : [{ regex: '^(\\.\\./)+generated/', message: 'only db/ uses the Prisma client.' }]),
        ...sdksOutside(adapter),
      ]),
    })),
    {
      files: ['src/shared/**/*.ts'],
      rules: rule([{ regex: '^\\.\\./', message: 'shared/ is used by the layers and uses none of them.' }]),
    },
  ];
}
