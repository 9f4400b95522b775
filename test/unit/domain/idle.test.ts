import { idleVerdict, type IdleRule, isIdleBound } from '../../../src/domain/idle';

const MINUTE = 60_000;
const grantedAt = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(grantedAt.getTime() + minutes * MINUTE);
const idle30: IdleRule = { idleTimeoutSeconds: 30 * 60, endsWithSession: false };
const withSession: IdleRule = { idleTimeoutSeconds: null, endsWithSession: true };
const none = { open: 0 };

describe('idleVerdict', () => {
  test('a grant never used ends once the timeout has passed since the grant, with the reason', () => {
    const facts = { grantedAt, lastSessionSeenAt: null };
    expect(idleVerdict(facts, idle30, none, at(29))).toEqual({ end: false });
    expect(idleVerdict(facts, idle30, none, at(30))).toEqual({ end: true, reason: 'idle for 30m' });
  });

  test('the timeout counts from the last time a session was seen', () => {
    const facts = { grantedAt, lastSessionSeenAt: at(20) };
    expect(idleVerdict(facts, idle30, none, at(49))).toEqual({ end: false });
    expect(idleVerdict(facts, idle30, none, at(50))).toEqual({ end: true, reason: 'idle for 30m' });
  });

  test('an open session keeps the grant, however long ago the last one was', () => {
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: null }, idle30, { open: 1 }, at(90))).toEqual({ end: false });
  });

  test('a target that cannot be read never ends a grant: it counts as not idle', () => {
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: null }, idle30, 'unreadable', at(90))).toEqual({ end: false });
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: at(1) }, withSession, 'unreadable', at(2))).toEqual({ end: false });
  });

  test('endsWithSession: ends once a session was seen and none is open, not before one was seen', () => {
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: null }, withSession, none, at(90))).toEqual({ end: false });
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: at(5) }, withSession, { open: 1 }, at(6))).toEqual({ end: false });
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: at(5) }, withSession, none, at(6))).toEqual({
      end: true,
      reason: 'its session closed',
    });
  });

  test('with both, whichever comes first ends it', () => {
    const both = { idleTimeoutSeconds: 30 * 60, endsWithSession: true };
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: null }, both, none, at(30))).toEqual({ end: true, reason: 'idle for 30m' });
    expect(idleVerdict({ grantedAt, lastSessionSeenAt: at(1) }, both, none, at(2))).toEqual({ end: true, reason: 'its session closed' });
  });

  test('a grant not applied yet is kept', () => {
    expect(idleVerdict({ grantedAt: null, lastSessionSeenAt: null }, idle30, none, at(90))).toEqual({ end: false });
  });
});

test('isIdleBound: only a level with a timeout or endsWithSession is sampled', () => {
  expect(isIdleBound(null)).toBe(false);
  expect(isIdleBound({ idleTimeoutSeconds: null, endsWithSession: false })).toBe(false);
  expect(isIdleBound(idle30)).toBe(true);
  expect(isIdleBound(withSession)).toBe(true);
});
