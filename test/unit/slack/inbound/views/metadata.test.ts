import { DenyModalMetadata, isResponseUrl, readMetadata, RequestModalMetadata } from '../../../../../src/slack/inbound/views/metadata';

const API_URL = 'http://127.0.0.1:4100/api/';

describe('modal metadata', () => {
  test.each([
    ['a slash command response_url', 'https://hooks.slack.com/commands/T0ABC123/1234567890123/AbCdEf123456', true],
    ['a click response_url', 'https://hooks.slack.com/actions/T0ABC123/1234567890123/AbCdEf123456', true],
    ['a message shortcut response_url', 'https://hooks.slack.com/app/T0ABC123/1234567890123/AbCdEf123456', true],
    ['one on the configured Web API origin', 'http://127.0.0.1:4100/response/r1', true],
    ['plain http to Slack', 'http://hooks.slack.com/commands/T0ABC123/1/abc', false],
    ['a host that only starts like Slack', 'https://hooks.slack.com.evil.example/commands/T0ABC123/1/abc', false],
    ['another path on Slack', 'https://hooks.slack.com/services/T0ABC123/B1/abc', false],
    ['a query string', 'https://hooks.slack.com/commands/T0ABC123/1/abc?to=evil', false],
    ['user info before the host', 'https://evil.example@hooks.slack.com/commands/T0ABC123/1/abc', false],
    ['another port on the API host', 'http://127.0.0.1:4101/response/r1', false],
    ['credentials on the API origin', 'http://user:pw@127.0.0.1:4100/response/r1', false],
    ['not a URL', 'hooks.slack.com', false],
  ])('%s: %s is accepted: %s', (_case, url, accepted) => {
    expect(isResponseUrl(url, API_URL)).toBe(accepted);
  });

  test('reads what prod-access wrote, and nothing else', () => {
    const responseUrl = 'https://hooks.slack.com/actions/T0ABC123/1/abc';
    expect(readMetadata(DenyModalMetadata, JSON.stringify({ requestId: 7, responseUrl }), API_URL)).toEqual({ requestId: 7, responseUrl });
    expect(readMetadata(RequestModalMetadata, '{}', API_URL)).toEqual({});
    for (const forged of [
      '',
      'null',
      '{"requestId":"7"}',
      '{"requestId":7,"responseUrl":"https://evil.example/x"}',
      '{"requestId":7,"admin":true}',
    ]) {
      expect(readMetadata(DenyModalMetadata, forged, API_URL)).toBeUndefined();
    }
  });
});
