/**
 * The production image, without Docker: its file tree is built the way the Dockerfile builds it (the
 * build, dev dependencies pruned, then the final stage's COPY lines, read from the Dockerfile itself) and
 * prod-access is run from that tree with the final stage's ENV, as `docker run` would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/main/lifecycle';
import { databaseUrl, dropDatabase, recreateDatabase, withClient } from '../support/databases';
import { Harness, requestAccess } from '../support/harness';
import { spawnSandbox } from '../support/sandbox';
import { waitUntil } from '../support/wait';

const ROOT = path.join(__dirname, '../..');
const HIDDEN_LOCKFILE = 'node_modules/.package-lock.json';

interface FinalStage {
  env: Record<string, string>;
  /** COPY lines: sources (paths in the build context, or in the build stage for --from=build) and a destination. */
  copies: { fromBuild: boolean; sources: string[]; destination: string }[];
  /** The HEALTHCHECK's command, in shell form (Docker runs it with /bin/sh -c). */
  healthcheck?: string;
}

/** The last stage of the Dockerfile: its ENV, COPY and HEALTHCHECK instructions. */
function finalStage(dockerfile: string): FinalStage {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const stageStarts = lines.flatMap((line, i) => (/^FROM\s/i.test(line) ? [i] : []));
  const stage = lines.slice(stageStarts.at(-1));
  const env: Record<string, string> = {};
  const copies: FinalStage['copies'] = [];
  let healthcheck: string | undefined;
  for (const line of stage) {
    const [instruction, ...words] = line.trim().split(/\s+/);
    if (/^ENV$/i.test(instruction ?? '')) {
      for (const word of words) env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
    } else if (/^COPY$/i.test(instruction ?? '')) {
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      if (flags.some((f) => f !== '--from=build')) throw new Error(`COPY flags this test does not emulate: ${line}`);
      copies.push({ fromBuild: flags.length > 0, sources: paths.slice(0, -1), destination: paths.at(-1)! });
    } else if (/^HEALTHCHECK$/i.test(instruction ?? '')) {
      healthcheck = /\sCMD\s+(.+)$/i.exec(line.trim())?.[1];
    }
  }
  return { env, copies, healthcheck };
}

/**
 * Docker's COPY: a directory's contents go to the destination; files go into it when it ends with "/".
 * Hard links (`cp -l`) where nothing writes, as node_modules is too big to copy on every run.
 */
function copyInto(source: string, destination: string, link: boolean): void {
  const target = statSync(source).isDirectory() || !destination.endsWith('/') ? destination : path.join(destination, path.basename(source));
  mkdirSync(path.dirname(target), { recursive: true });
  if (link) execFileSync('cp', ['-al', statSync(source).isDirectory() ? `${source}/.` : source, target]);
  else cpSync(source, target, { recursive: true });
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, lines: result.stderr.trim().split('\n') };
}

describe('the production image', () => {
  let buildStage: string;
  let image: string;
  let stage: FinalStage;
  let h: Harness;
  /** Only what a container would have: PATH, HOME and the image's ENV, so no developer's .env leaks in. */
  let containerEnv: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    // The build stage: `npm ci` (this checkout's node_modules), the build, then `npm prune --omit=dev`.
    buildStage = mkdtempSync(path.join(tmpdir(), 'prod-access-build-'));
    for (const entry of ['package.json', 'package-lock.json', 'dist'])
      cpSync(path.join(ROOT, entry), path.join(buildStage, entry), { recursive: true });
    // Linked, as prune only removes files there; the one file it rewrites in place is copied instead. The
    // real folder, should node_modules be a symbolic link (a worktree's): prune must not follow it.
    execFileSync('cp', ['-al', realpathSync(path.join(ROOT, 'node_modules')), buildStage]);
    rmSync(path.join(buildStage, HIDDEN_LOCKFILE));
    cpSync(path.join(ROOT, HIDDEN_LOCKFILE), path.join(buildStage, HIDDEN_LOCKFILE));
    execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: buildStage, stdio: 'pipe' });
    image = mkdtempSync(path.join(tmpdir(), 'prod-access-image-'));
    stage = finalStage(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    for (const { fromBuild, sources, destination } of stage.copies) {
      for (const source of sources) {
        const from = fromBuild ? path.join(buildStage, path.relative('/app', source)) : path.join(ROOT, source);
        copyInto(from, path.join(image, destination) + (destination.endsWith('/') ? '/' : ''), fromBuild);
      }
    }
    h = await Harness.start({ role: 'none' });
    // npx and npm put this checkout's node_modules/.bin (tsx…) on PATH; a container has none of it.
    const PATH = process.env
      .PATH!.split(path.delimiter)
      .filter((dir) => !dir.includes('node_modules'))
      .join(path.delimiter);
    containerEnv = (extra = {}) => ({ PATH, HOME: process.env.HOME, ...stage.env, ...extra });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
    for (const dir of [buildStage, image]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The harness's settings (stand-in, database, catalog, target) as a container's environment. */
  const deployment = (extra: NodeJS.ProcessEnv = {}) =>
    containerEnv({ ...Object.fromEntries(Object.entries(h.settings).filter(([name]) => !(name in process.env))), ...extra });

  test('is built without sources, the development kit or dev dependencies, in production', () => {
    expect(existsSync(path.join(image, 'dist/main/cli.js'))).toBe(true);
    for (const source of ['src', 'devkit']) expect(existsSync(path.join(image, source))).toBe(false);
    for (const dev of ['tsx', 'pino-pretty', 'jest']) expect(existsSync(path.join(image, 'node_modules', dev))).toBe(false);
    expect(stage.env.NODE_ENV).toBe('production');
  });

  test('--help works with plain node, through the prod-access bin and through npm', () => {
    const { bin } = JSON.parse(readFileSync(path.join(image, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(bin).toHaveProperty('prod-access');
    const binPath = path.join(image, bin!['prod-access']!);
    for (const [command, args] of [
      ['node', ['dist/main/cli.js', '--help']],
      [binPath, ['--help']],
      ['npm', ['run', '--silent', 'prod-access', '--', '--help']],
    ] as const) {
      const result = run(command, [...args], image, containerEnv());
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage:\n {2}prod-access \[start\]/);
    }
  });

  test('missing Slack settings are one line each, never a sandbox, even when .env empties NODE_ENV', () => {
    const catalog = { PROD_ACCESS_CATALOG: h.settings.PROD_ACCESS_CATALOG };
    // An `env_file` line `NODE_ENV=` replaces the image's production with an empty value.
    for (const env of [containerEnv(catalog), containerEnv({ ...catalog, NODE_ENV: '' })]) {
      const result = run('node', ['dist/main/cli.js', 'start'], image, env);
      expect({ code: result.code, lines: result.lines, stdout: result.stdout }).toEqual({
        code: 1,
        lines: [
          'SLACK_BOT_TOKEN: missing; expected a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
          "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)",
        ],
        stdout: '',
      });
    }
  });

  test('with no catalog mounted, start-up says so in one line', () => {
    const { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, AUDIT_HMAC_KEY } = h.settings;
    const slack = { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, AUDIT_HMAC_KEY };
    const unset = run('node', ['dist/main/cli.js', 'start', 'web'], image, containerEnv(slack));
    expect({ code: unset.code, lines: unset.lines }).toEqual({
      code: 1,
      lines: ['PROD_ACCESS_CATALOG: missing; expected the path of your catalog file (production has no default; in a container: mount it)'],
    });
    const absent = run(
      'node',
      ['dist/main/cli.js', 'worker'],
      image,
      containerEnv({ ...slack, PROD_ACCESS_CATALOG: '/etc/prod-access/catalog.yaml' }),
    );
    expect({ code: absent.code, lines: absent.lines }).toEqual({
      code: 1,
      lines: [
        'PROD_ACCESS_CATALOG: invalid; expected the path of a catalog file; no file at /etc/prod-access/catalog.yaml (in a container: mount your catalog there)',
      ],
    });
  });

  test('migrations run from the image, offline', async () => {
    const name = `pa_image_${randomBytes(4).toString('hex')}`;
    await recreateDatabase(name);
    try {
      const result = run(
        'node',
        ['tools/prisma-offline/prisma.cjs', 'migrate', 'deploy'],
        image,
        containerEnv({ DATABASE_URL: databaseUrl(name) }),
      );
      expect({ code: result.code, output: result.stdout + result.stderr }).toMatchObject({ code: 0 });
      const applied = await withClient(databaseUrl(name), async (db) =>
        Number((await db.query('SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL')).rows[0].count),
      );
      const migrations = readdirSync(path.join(ROOT, 'prisma/migrations'), { withFileTypes: true }).filter((e) => e.isDirectory());
      expect(applied).toBe(migrations.length);
    } finally {
      await dropDatabase(name);
    }
  });

  test('web and worker run from the image: health answers, a request is granted, the audit log verifies', async () => {
    const web = await h.spawn('web', { cwd: image, args: ['dist/main/cli.js'] });
    // The worker as the bin runs it (the image links it as /usr/local/bin/prod-access).
    const worker = await h.spawn('worker', { cwd: image, args: ['scripts/prod-access.cjs'] });
    // Its first checks may outlast their 2 s bound on a busy machine (a fresh connection pool): wait for 200.
    let health = '';
    await waitUntil(
      async () => {
        const answer = await fetch(`http://127.0.0.1:${web.port}/healthz`);
        health = `${answer.status} ${await answer.text()}`;
        return answer.status === 200 || undefined;
      },
      30_000,
      () => `/healthz to answer 200; it answered ${health}`,
    );

    // The image's HEALTHCHECK, as Docker runs it in each role's container (the role's PORT set, OPS_PORT not).
    for (const role of [web, worker]) {
      const probe = run('sh', ['-c', stage.healthcheck!], image, containerEnv({ PORT: String(role.port) }));
      expect({ role: role.role, code: probe.code, stderr: probe.stderr }).toEqual({ role: role.role, code: 0, stderr: '' });
    }

    const id = await requestAccess(h, { reason: 'image check' });
    expect(await h.clickAndReply(h.users.manager1, id)).toContain(`You approved #${id}`);
    await h.waitForStatus(id, 'ACTIVE');

    const env = deployment({ DATABASE_URL: h.databaseUrl });
    const verified = run('npm', ['run', '--silent', 'audit', '--', 'verify'], image, env);
    expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });
    expect(verified.stdout).toMatch(/^audit log intact: \d+ events/);
    const listed = run('node', ['dist/main/cli.js', 'audit', '--request', String(id)], image, env);
    expect(listed.stdout).toContain('"action":"granted"');

    // SIGTERM, as `docker stop` sends it: both finish their work and exit 0.
    expect(await Promise.all([web.kill('SIGTERM'), worker.kill('SIGTERM')])).toEqual([0, 0]);
    expect(worker.log).toContain('start-up reconcile done');
  });

  test('catalog validate runs from the image, with node and through npm', () => {
    const file = h.settings.PROD_ACCESS_CATALOG!;
    for (const [command, args] of [
      ['node', ['dist/main/cli.js', 'catalog', 'validate', file]],
      ['npm', ['run', '--silent', 'catalog:validate', '--', file]],
    ] as const) {
      const result = run(command, [...args], image, deployment());
      // The valid line first; notes (such as the levels open to everyone) may follow it.
      expect({ code: result.code, first: result.stdout.split('\n')[0], stderr: result.stderr }).toEqual({
        code: 0,
        first: `${file}: valid (1 resources, 2 access levels)`,
        stderr: '',
      });
    }
  });

  test('asked for pretty logs without pino-pretty, logs stay JSON', () => {
    const script = "require('./dist/shared/logger.js').createLogger({ level: 'info', pretty: true }).info('hello')";
    const result = run('node', ['-e', script], image, containerEnv());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ msg: 'hello', service: 'prod-access' });
  });

  test('.env.example sets no NODE_ENV, so an .env made from it keeps the image in production', () => {
    const example = parseDotenv(readFileSync(path.join(ROOT, '.env.example')));
    expect(Object.keys(example)).not.toContain('NODE_ENV');
  });

  test("compose gives prod-access's shutdown its time before Docker kills it", () => {
    const compose = parseYaml(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { build?: string; command?: unknown; stop_grace_period?: string }>;
    };
    const apps = Object.entries(compose.services).filter(([, s]) => s.build !== undefined && s.command === undefined);
    expect(apps.map(([name]) => name)).toEqual(['prod-access']);
    const seconds = (duration = '10s') =>
      [...duration.matchAll(/(\d+)(h|m|s)/g)].reduce(
        (sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'],
        0,
      );
    for (const [, service] of apps) expect(seconds(service.stop_grace_period)).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS / 1000);
  });

  test('is licensed under Apache-2.0, and the image carries the licence', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const licence = readFileSync(path.join(image, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(licence).toContain('END OF TERMS AND CONDITIONS');
  });

  test('from a checkout, `npm start` still runs the sandbox from source, whatever dist/ holds', async () => {
    const sandbox = await spawnSandbox('npm', ['start', '--silent']);
    try {
      await expect((await fetch(sandbox.url)).text()).resolves.toContain('prod-access sandbox');
    } finally {
      await sandbox.stop();
    }
  }, 90_000);
});
