import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { loadSandboxConfig } from '../../devkit/sandbox/config';
import { createLogger } from '../../src/shared/logger';
import { DEMO_CHANNELS, DEMO_USERS } from '../../devkit/sandbox/demo-workspace';
import { type Sandbox, startSandbox } from '../../devkit/sandbox/start';
import { removeSandbox, sandboxEnv } from '../support/sandbox';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.join(__dirname, '../../test-output/sandbox');
/** Long enough to check the access works, short enough to watch it end. */
const DURATION = '30s';

/**
 * The sandbox in a real browser, as a person evaluating prod-access uses it: a manager asks through
 * the form, cannot approve her own request, the other manager approves, the access works in the demo
 * database, and at expiry it ends, in the message and in the database. It proves no row of README.md's
 * Guarantees table (the harness's tests do): it proves that `npm start`'s sandbox works for a person.
 */
describe('the sandbox in a real browser', () => {
  const name = `pa_sandbox_${randomBytes(4).toString('hex')}`;
  const [requester, approver] = DEMO_USERS.managers;
  let sandbox: Sandbox;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    const env = { ...process.env, ...(await sandboxEnv(name)) };
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
    sandbox = await startSandbox(loadSandboxConfig(env), env, logger);
    profileDir = mkdtempSync(path.join(tmpdir(), 'prod-access-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await sandbox?.stop();
    rmSync(profileDir, { recursive: true, force: true });
    await removeSandbox(name);
  });

  const screenshot = (step: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${step}.png`) });
  const actAs = (userId: string) => page.selectOption('#me', userId);
  const open = (conversation: string) => page.locator(`[data-conversation="${conversation}"]`).click();
  const message = (text: string | RegExp): Locator => page.locator('article.message', { hasText: text });
  const typeCommand = async (text: string) => {
    await page.fill('#composer-input', text);
    await page.press('#composer-input', 'Enter');
  };
  const queryResult = async () => {
    await page.click('#query');
    const result = page.locator('#query-result table, #query-result .query-error');
    await result.first().waitFor();
    return result.first().innerText();
  };

  test('request in the form → approval message → the other manager approves → access → expiry', async () => {
    await page.goto(sandbox.url);
    await actAs(requester);

    await typeCommand('/prod-access');
    const modal = page.locator('.modal');
    await modal.waitFor();
    await screenshot('01-request-form');

    await page.selectOption('#input-resource', 'orders-db');
    await page.selectOption('#input-level', 'read-only');
    await page.fill('#input-duration', 'forever');
    await page.fill('#input-reason', 'checking order 1002 for a customer');
    await modal.getByRole('button', { name: 'Request' }).click();
    await expect(modal.locator('.field-error').innerText()).resolves.toMatch(/"forever" is not a duration/);
    await screenshot('02-field-error');

    await page.fill('#input-duration', DURATION);
    await modal.getByRole('button', { name: 'Request' }).click();
    await modal.waitFor({ state: 'detached' });
    const sent = message(/Request #\d+ sent to the owners/);
    const id = /#(\d+)/.exec(await sent.innerText())![1]!;
    await expect(sent.innerText()).resolves.toContain('Only visible to you');
    await screenshot('03-requested');

    await open('C0OWNERS001');
    const approval = message(`Access request #${id}`);
    await approval.getByRole('button', { name: 'Approve' }).waitFor();
    await expect(approval.innerText()).resolves.toMatch(/Waiting for approval/);
    await screenshot('04-approval-message');

    await approval.getByRole('button', { name: 'Approve' }).click();
    await message(/cannot approve or deny your own request/).waitFor();
    await screenshot('05-own-approval-refused');

    await actAs(approver);
    await expect(page.locator('article.message', { hasText: /your own request/ }).count()).resolves.toBe(0);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await message(`You approved #${id}`).waitFor();
    await approval.filter({ hasText: 'active until' }).waitFor();
    await screenshot('06-approved');

    await actAs(requester);
    await open(`D${requester}`);
    await message(`Your access #${id}`).filter({ hasText: 'psql' }).waitFor();
    await expect(queryResult()).resolves.toContain('espresso machine');
    await screenshot('07-access-in-dm');

    // The warning before the end (a fifth of so short a grant before it), with its two buttons.
    const warning = message(`Your access #${id}`).filter({ hasText: 'Need more time?' });
    await warning.waitFor({ timeout: 40_000 });
    await expect(warning.getByRole('button', { name: 'Extend' }).count()).resolves.toBe(1);
    await expect(warning.getByRole('button', { name: "I'm done" }).count()).resolves.toBe(1);
    await screenshot('07b-expiry-warning');

    await open('C0OWNERS001');
    await approval.filter({ hasText: 'Ended at its expiry' }).waitFor({ timeout: 60_000 });
    // chat.update changed the one message in place.
    await expect(message(`Access request #${id}`).count()).resolves.toBe(1);
    await expect(approval.getByRole('button').count()).resolves.toBe(0);
    await screenshot('08-expired');

    await open(`D${requester}`);
    await message(`Your access #${id}`).filter({ hasText: 'has ended at its expiry' }).waitFor();
    await expect(queryResult()).resolves.toMatch(/permission denied/);
    await screenshot('09-access-gone');
  }, 150_000);

  test('the shortcuts: the form from a message’s ⋯ menu with the message’s link as the ticket, and from the ⚡ menu', async () => {
    await page.goto(sandbox.url);
    await actAs(requester);
    await open('C0GENERAL');
    await typeCommand('INC-311: refunds are stuck, orders look locked');
    const incident = message('INC-311');
    await incident.hover();
    await incident.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: /about this message/ }).click();
    const modal = page.locator('.modal');
    // The form opens at once; the link arrives in an update a moment later.
    await expect(page.locator('#input-ticket').inputValue()).resolves.toMatch(/\/archives\/C0GENERAL\/p\d+$/);
    await screenshot('10-message-shortcut');
    await modal.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Shortcuts' }).click();
    await page.getByRole('menuitem', { name: /Request prod access/ }).click();
    await modal.waitFor();
    await expect(page.locator('#input-ticket').inputValue()).resolves.toBe('');
    await screenshot('11-global-shortcut');
    await modal.getByRole('button', { name: 'Cancel' }).click();
  });

  test('break-glass: access at once without an approver, loud in the owners’ channel, then the other manager reviews it', async () => {
    await page.goto(sandbox.url);
    await actAs(requester);
    await typeCommand('/prod-access break-glass orders-db write 5m INC-7 orders are failing');
    const answer = message(/Break-glass #\d+: access is being granted now/);
    const id = /#(\d+)/.exec(await answer.innerText())![1]!;
    await screenshot('12-break-glass-asked');

    await open('C0OWNERS001');
    const glass = message(new RegExp(`Break-glass access #${id}\\b`));
    await glass.filter({ hasText: 'active until' }).waitFor();
    await expect(glass.innerText()).resolves.toMatch(/without an approver/);
    await expect(glass.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await screenshot('13-break-glass-message');

    await open('C0AUDIT0001');
    await message(new RegExp(`break glass #${id}\\b`)).waitFor();
    await screenshot('14-break-glass-audit');

    const review = async (comment: string) => {
      await glass.getByRole('button', { name: 'Reviewed' }).click();
      const modal = page.locator('.modal');
      await modal.waitFor();
      await page.fill('#input-comment', comment);
      await modal.getByRole('button', { name: 'Reviewed' }).click();
      await modal.waitFor({ state: 'detached' });
    };
    await open('C0OWNERS001');
    await review('all fine, trust me');
    await message(/cannot review your own break-glass grant/).waitFor();
    await screenshot('15-own-review-refused');

    await actAs(approver);
    await review('checked the queries it ran: reads of order 1002 only');
    await message(`You reviewed break-glass #${id}`).waitFor();
    await glass.filter({ hasText: 'Reviewed by' }).waitFor();
    await expect(glass.getByRole('button', { name: 'Reviewed' }).count()).resolves.toBe(0);
    await screenshot('16-break-glass-reviewed');
  });

  test('App Home: the approver sees the request waiting and approves it there; the requester sees the grant', async () => {
    await page.goto(sandbox.url);
    await actAs(requester);
    await open(DEMO_CHANNELS.general.id);
    const earlier = await message(/Request #\d+ sent to the owners/).count();
    await typeCommand('/prod-access request orders-db read-only 5m looking at the home tab');
    const sent = message(/Request #\d+ sent to the owners/).nth(earlier);
    await sent.waitFor();
    const id = /#(\d+)/.exec(await sent.innerText())![1]!;

    await actAs(approver);
    await open('home');
    const home = page.locator('.app-home');
    const waiting = home.locator('.block-section', { hasText: `#${id}` });
    await waiting.waitFor();
    await expect(home.innerText()).resolves.toContain('Waiting for your decision');
    await screenshot('17-home-approver');

    await home.locator(`[data-block-id="decide_${id}"]`).getByRole('button', { name: 'Approve' }).click();
    // A click in App Home has no response_url: the outcome comes by DM, and the home loses the request.
    await waiting.waitFor({ state: 'detached' });
    await open(`D${approver}`);
    await message(`You approved #${id}`).waitFor();

    await actAs(requester);
    await open('home');
    const grant = home.locator('.block-section', { hasText: `#${id}` });
    await grant.filter({ hasText: 'left' }).waitFor();
    const buttons = home.locator(`[data-block-id="grant_${id}"]`);
    await expect(buttons.getByRole('button').allInnerTexts()).resolves.toEqual(['Extend', "I'm done"]);
    await screenshot('18-home-requester');
  }, 60_000);
});
