import { parseCommand } from '../../../../../src/slack/inbound/commands/parse';

describe('parsing /prod-access break-glass', () => {
  test('resource, level, duration, then the rest is the reason', () => {
    expect(parseCommand('break-glass orders-db write 30m INC-7 orders  are failing')).toEqual({
      kind: 'break-glass',
      input: { resourceId: 'orders-db', levelId: 'write', duration: '30m', reason: 'INC-7 orders are failing' },
    });
    expect(parseCommand('BREAK-GLASS orders-db write 30m x')).toMatchObject({ kind: 'break-glass' });
  });

  test('an empty reason is left for the rules to refuse (with the same message as a request)', () => {
    expect(parseCommand('break-glass orders-db write 30m')).toEqual({
      kind: 'break-glass',
      input: { resourceId: 'orders-db', levelId: 'write', duration: '30m', reason: '' },
    });
  });

  test.each(['break-glass', 'break-glass orders-db', 'break-glass orders-db write'])('"%s" is a usage error naming the shape', (text) => {
    expect(() => parseCommand(text)).toThrow(/Usage: \/prod-access break-glass <resource> <level> <duration> <reason…>/);
  });
});
