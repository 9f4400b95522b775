import { webApi } from '@slack/bolt';
import { UserError } from '../../../../../src/domain/errors';
import { type CommandArgs, prodAccessCommand } from '../../../../../src/slack/inbound/commands/prod-access';
import { REQUEST_MODAL } from '../../../../../src/slack/render/request-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const RESPONSE_URL = 'https://hooks.slack.com/commands/T0ABC123/1234567890123/AbCdEf123456';

/** Runs `/prod-access <text>` as SIGNED_USER, the way Bolt calls the listener. */
async function slashCommand(text: string, world = listenerWorld()) {
  const command = { text, user_id: SIGNED_USER, trigger_id: 'trigger-1', response_url: RESPONSE_URL };
  await prodAccessCommand(world.deps)({
    command,
    ack: world.ack,
    respond: world.respond,
    client: world.webClient,
  } as unknown as CommandArgs);
  return world;
}

describe('/prod-access', () => {
  test('request: acks before asking anything, then submits as the signed user and answers only them', async () => {
    const world = await slashCommand('request orders-db read-only 2h debugging INC-42');
    expect(world.log).toEqual(['ack', 'submitRequest', 'respond']);
    expect(world.useCases.submitRequest).toHaveBeenCalledWith(SIGNED_USER, {
      resourceId: 'orders-db',
      levelId: 'read-only',
      duration: '2h',
      reason: 'debugging INC-42',
    });
    expect(world.respond).toHaveBeenCalledWith({
      response_type: 'ephemeral',
      text: 'Request #7 sent to the owners for approval. You will get a DM at each step.',
    });
  });

  test.each([
    ['request orders-db read-only 2h --at 22:00 nightly import', '22:00'],
    ['request orders-db read-only 2h nightly --at=2026-12-02T09:00 import', '2026-12-02T09:00'],
    ['request --at 2026-12-02T09:00Z orders-db read-only 2h nightly import', '2026-12-02T09:00Z'],
  ])('request with a start (%s): the start is taken out of the words, as typed', async (text, start) => {
    const world = await slashCommand(text);
    expect(world.useCases.submitRequest).toHaveBeenCalledWith(SIGNED_USER, {
      resourceId: 'orders-db',
      levelId: 'read-only',
      duration: '2h',
      reason: 'nightly import',
      start: { text: start },
    });
  });

  test('request with --at and no start: the usage, and nothing asked of the application', async () => {
    const world = await slashCommand('request orders-db read-only 2h import --at');
    expect(world.log).toEqual(['ack', 'respond']);
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('--at <start>') }));
  });

  test('alone: opens the request modal with the command trigger, its outcome to go back through the command', async () => {
    const world = await slashCommand('');
    expect(world.log).toEqual(['ack', 'views.open']);
    const [{ trigger_id, view }] = world.client.views.open.mock.calls[0] as [
      { trigger_id: string; view: { callback_id: string; private_metadata: string } },
    ];
    expect(trigger_id).toBe('trigger-1');
    expect(view.callback_id).toBe(REQUEST_MODAL);
    expect(JSON.parse(view.private_metadata)).toEqual({ responseUrl: RESPONSE_URL });
  });

  test('alone, with a trigger_id Slack no longer takes: says so and to try again, with nothing asked of the application', async () => {
    const world = listenerWorld();
    world.client.views.open.mockRejectedValueOnce(
      Object.assign(new Error('expired_trigger_id'), {
        code: webApi.ErrorCode.PlatformError,
        data: { ok: false, error: 'expired_trigger_id' },
      }),
    );
    await slashCommand('', world);
    expect(world.client.views.open).toHaveBeenCalledTimes(1);
    expect(world.log).toEqual(['ack', 'respond']);
    expect(world.respond).toHaveBeenCalledWith({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^:warning: .*3 seconds.*Try again/),
    });
  });

  test('revoke: asks for the early revoke as the signed user', async () => {
    const world = await slashCommand('revoke #7');
    expect(world.log).toEqual(['ack', 'requestEarlyRevoke', 'respond']);
    expect(world.useCases.requestEarlyRevoke).toHaveBeenCalledWith(7, SIGNED_USER);
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('Revoking #7 now') }));
  });

  test('extend: submits the extension as the signed user', async () => {
    const world = await slashCommand('extend 7 1h still migrating');
    expect(world.useCases.submitExtension).toHaveBeenCalledWith(SIGNED_USER, { requestId: 7, duration: '1h', reason: 'still migrating' });
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('Request #8, extending #7') }));
  });

  test('list: lists the signed user’s own requests', async () => {
    const world = await slashCommand('list');
    expect(world.useCases.listRequests).toHaveBeenCalledWith(SIGNED_USER);
  });

  test('a use-case that refuses is answered with its message, to the user alone', async () => {
    const world = listenerWorld();
    world.useCases.submitRequest.mockRejectedValueOnce(new UserError('RATE_LIMITED', 'Too many requests.'));
    await slashCommand('request orders-db read-only 2h why', world);
    expect(world.respond).toHaveBeenCalledWith({ response_type: 'ephemeral', text: ':warning: Too many requests.' });
  });

  test('what it cannot read is answered with the usage, and nothing is asked of the application', async () => {
    const world = await slashCommand('approve 7');
    expect(world.log).toEqual(['ack', 'respond']);
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('Usage: /prod-access') }));
  });
});

describe('/prod-access break-glass', () => {
  test('acks first, then breaks the glass as the signed user and answers only them', async () => {
    const world = await slashCommand('break-glass orders-db write 30m INC-7 orders are failing');
    expect(world.log).toEqual(['ack', 'submitBreakGlass', 'respond']);
    expect(world.useCases.submitBreakGlass).toHaveBeenCalledWith(SIGNED_USER, {
      resourceId: 'orders-db',
      levelId: 'write',
      duration: '30m',
      reason: 'INC-7 orders are failing',
    });
    expect(world.respond).toHaveBeenCalledWith({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^:rotating_light: Break-glass #9/),
    });
  });
});
