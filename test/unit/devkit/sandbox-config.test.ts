import { loadSandboxConfig, wantsSandbox } from '../../../devkit/sandbox/config';

describe('the sandbox settings', () => {
  test('no Slack credentials at all means the sandbox, never in production', () => {
    expect(wantsSandbox({})).toBe(true);
    expect(wantsSandbox({ NODE_ENV: 'development', SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' })).toBe(true);
    expect(wantsSandbox({ NODE_ENV: 'production' })).toBe(false);
    // Half-set credentials are a mistake to report, not a reason to play Slack locally.
    expect(wantsSandbox({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe(false);
    expect(wantsSandbox({ SLACK_APP_TOKEN: 'xapp-1' })).toBe(false);
  });

  test('default to a page on port 3001 and a demo database of its own, each checked like any setting', () => {
    expect(loadSandboxConfig({})).toMatchObject({ SANDBOX_PORT: 3001, SANDBOX_DATABASE: 'prod_access_sandbox' });
    expect(() => loadSandboxConfig({ SANDBOX_DATABASE: 'Demo DB' })).toThrow(/^SANDBOX_DATABASE: invalid; expected a database name/);
    expect(() => loadSandboxConfig({ SANDBOX_PORT: '70000' })).toThrow(/^SANDBOX_PORT: invalid; expected a TCP port number$/);
  });
});
