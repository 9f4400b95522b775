import { CHANNELS, grantAccess, useHarness } from '../support/harness';

/** Working hours of one minute, twelve hours from now: whatever the time, this test's grant is outside them. */
function hoursElsewhere(): Record<string, unknown> {
  const hour = String((new Date().getUTCHours() + 12) % 24).padStart(2, '0');
  return { days: 'sun-sat', from: `${hour}:00`, to: `${hour}:01`, timeZone: 'UTC' };
}

describe('the access digest', () => {
  // Ten-second windows, so the window of this test's grant ends, and is reviewed, within the test.
  const h = useHarness({ env: { ACCESS_DIGEST_INTERVAL_SECONDS: '10' }, workingHours: hoursElsewhere() });

  test('the workers post the review of each window in the audit channel, naming a grant outside working hours', async () => {
    const id = await grantAccess(h, { reason: 'late-night fix' });
    // The request and its grant may fall in two windows; the one its grant began in names it.
    const line = await h.waitForText(
      CHANNELS.audit,
      `#${id} ${h.resourceId}/read-only granted to ${h.users.dev} outside working hours`,
      45_000,
    );
    expect(line).toMatch(/\*access digest\* by prod-access: access review \S+ to \S+: 1 grants/);
    expect(line).toContain('grants never used are unknown');
    const digests = await h.db.auditEvent.findMany({ where: { action: 'access_digest' } });
    // One row per window, however many scheduler runs and workers saw it.
    const windows = digests.map((d) => (d.detail as { to: string }).to);
    expect(new Set(windows).size).toBe(windows.length);
  });
});
