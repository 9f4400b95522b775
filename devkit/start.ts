/**
 * `npm start` on a checkout (`npm start -- <role>` for one role). With no Slack credentials outside production,
 * the sandbox: prod-access unchanged, against a local stand-in for Slack, and a page that plays Slack's
 * client. Otherwise prod-access's own `start`, as the `prod-access` command runs it. The product knows nothing
 * of this choice: the build and the image have neither this file nor the sandbox.
 */
import { loadEnvFiles } from '../src/main/config';
import { isProdAccessError } from '../src/domain/errors';
import { runUntilSignal } from '../src/main/lifecycle';
import { createLogger } from '../src/shared/logger';
import { loadSandboxConfig, wantsSandbox } from './sandbox/config';
import { startSandbox } from './sandbox/start';

async function runSandbox(): Promise<void> {
  const settings = loadSandboxConfig();
  const logger = createLogger({ level: settings.LOG_LEVEL, pretty: settings.NODE_ENV === 'development' && process.stdout.isTTY });
  const sandbox = await startSandbox(settings, process.env, logger);
  console.log(
    [
      '',
      'prod-access is running in sandbox mode: no Slack credentials are set, so a local stand-in plays Slack.',
      `  Open ${sandbox.url} in your browser to try it.`,
      '  To connect a real Slack workspace, see "Move to real Slack" in README.md.',
      '',
    ].join('\n'),
  );
  // The app finishes its running work, then the stand-in and the page close.
  await runUntilSignal(sandbox, logger);
}

loadEnvFiles();
const [role = 'all'] = process.argv.slice(2);
if (role === 'all' && wantsSandbox(process.env)) {
  runSandbox().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(isProdAccessError(error) ? error.message : error);
      process.exit(1);
    },
  );
} else {
  process.argv.splice(2, 0, 'start');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the product's command runs on load, so it is loaded only when chosen
  require('../src/main/cli');
}
