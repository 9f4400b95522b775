import {
  type ResourceOptionsArgs,
  type ResourceSelectArgs,
  requestSubmitted,
  resourceChosen,
  resourceSuggestions,
  type SubmitArgs,
} from '../../../../../src/slack/inbound/views/request';
import { FORGED_FORM } from '../../../../../src/slack/inbound/views/metadata';
import { REQUEST_FIELDS } from '../../../../../src/slack/render/request-modal';
import { API_URL, listenerWorld, SIGNED_USER } from '../listener-fakes';

type Fields = Partial<Record<keyof typeof REQUEST_FIELDS, string>>;

/** The request modal submitted by SIGNED_USER with these fields and this private_metadata. */
function submission(world: ReturnType<typeof listenerWorld>, fields: Fields, privateMetadata = '{}'): SubmitArgs {
  const values = Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [REQUEST_FIELDS[field as keyof Fields], { value: { type: 'plain_text_input', value } }]),
  );
  const view = { private_metadata: privateMetadata, state: { values } };
  return { ack: world.ack, view, body: { user: { id: SIGNED_USER } }, client: world.webClient } as unknown as SubmitArgs;
}

const complete = { resource: 'orders-db', level: 'read-only', duration: '30m', reason: 'INC-42' };

describe('the request modal submitted', () => {
  test('acks first, then submits as the signed user, and tells them by DM when it came with no response_url', async () => {
    const world = listenerWorld();
    await requestSubmitted(world.deps)(submission(world, complete));
    expect(world.log).toEqual(['ack', 'submitRequest', 'conversations.open', 'chat.postMessage']);
    expect(world.ack).toHaveBeenCalledWith();
    expect(world.useCases.submitRequest).toHaveBeenCalledWith(SIGNED_USER, {
      resourceId: 'orders-db',
      levelId: 'read-only',
      duration: '30m',
      reason: 'INC-42',
      ticketUrl: '',
    });
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: expect.stringContaining('Request #7 sent') }),
    );
  });

  test('answers through the response_url it was opened with', async () => {
    const world = listenerWorld();
    const responseUrl = `${new URL(API_URL).origin}/response/r1`;
    const posted = jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('ok'));
    try {
      await requestSubmitted(world.deps)(submission(world, complete, JSON.stringify({ responseUrl })));
      expect(posted).toHaveBeenCalledWith(responseUrl, expect.objectContaining({ method: 'POST' }));
      expect(world.log).toEqual(['ack', 'submitRequest']);
    } finally {
      posted.mockRestore();
    }
  });

  test('with a catalog error, answers in the modal next to the field and asks nothing of the application', async () => {
    const world = listenerWorld();
    await requestSubmitted(world.deps)(submission(world, { ...complete, duration: '5h' }));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { duration: expect.stringContaining('longer than') } });
  });

  /** The modal submitted with `complete` and this UNIX timestamp picked as the start. */
  function withStart(world: ReturnType<typeof listenerWorld>, unixSeconds: number): SubmitArgs {
    const args = submission(world, complete);
    const values = args.view.state.values as Record<string, unknown>;
    values[REQUEST_FIELDS.start] = { value: { type: 'datetimepicker', selected_date_time: unixSeconds } };
    return args;
  }

  test('a start picked in the datetimepicker goes with the request as the instant it names', async () => {
    const world = listenerWorld();
    const picked = Math.floor(Date.now() / 1000) + 3600;
    await requestSubmitted(world.deps)(withStart(world, picked));
    expect(world.log).toEqual(['ack', 'submitRequest', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.submitRequest).toHaveBeenCalledWith(
      SIGNED_USER,
      expect.objectContaining({ start: { at: new Date(picked * 1000) } }),
    );
  });

  test.each([
    ['in the past', -3600, /in the past/],
    ['more than 7 days ahead', 8 * 86_400, /at most 7 days/],
  ])('a start picked %s is refused next to the picker, and nothing is requested', async (_case, fromNow, message) => {
    const world = listenerWorld();
    await requestSubmitted(world.deps)(withStart(world, Math.floor(Date.now() / 1000) + fromNow));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { [REQUEST_FIELDS.start]: expect.stringMatching(message) },
    });
  });

  test('an error about a field not shown yet goes next to the resource', async () => {
    const world = listenerWorld();
    await requestSubmitted(world.deps)(submission(world, { resource: 'orders-db', reason: 'INC-42' }));
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { resource: expect.stringContaining('no access level') } });
  });

  test.each(['not json', '{"responseUrl":"https://evil.example/x"}', '{"requestId":7}'])(
    'with metadata prod-access did not write (%s), is refused in the modal and nothing is requested',
    async (privateMetadata) => {
      const world = listenerWorld();
      await requestSubmitted(world.deps)(submission(world, complete, privateMetadata));
      expect(world.log).toEqual(['ack']);
      expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { resource: FORGED_FORM } });
    },
  );
});

describe('the resource select', () => {
  function choice(world: ReturnType<typeof listenerWorld>, resourceId: string, privateMetadata = '{}'): ResourceSelectArgs {
    const body = { view: { id: 'V1', hash: 'h1', private_metadata: privateMetadata } };
    return {
      ack: world.ack,
      action: { selected_option: { value: resourceId } },
      body,
      client: world.webClient,
    } as unknown as ResourceSelectArgs;
  }

  test('acks, then shows the same modal with the chosen resource’s levels, unless a later choice replaced it', async () => {
    const world = listenerWorld();
    await resourceChosen(world.deps)(choice(world, 'orders-db'));
    expect(world.log).toEqual(['ack', 'views.update']);
    const [update] = world.client.views.update.mock.calls[0] as [
      { view_id: string; hash: string; view: { blocks: { block_id?: string }[] } },
    ];
    expect(update).toMatchObject({ view_id: 'V1', hash: 'h1' });
    expect(update.view.blocks.map((b) => b.block_id)).toContain(REQUEST_FIELDS.level);
  });

  test.each([
    ['a resource the catalog does not have', 'nope', '{}'],
    ['metadata prod-access did not write', 'orders-db', '{"responseUrl":"https://evil.example/x"}'],
  ])('with %s, changes nothing', async (_case, resourceId, privateMetadata) => {
    const world = listenerWorld();
    await resourceChosen(world.deps)(choice(world, resourceId, privateMetadata));
    expect(world.log).toEqual(['ack']);
  });

  test('suggests the resources whose id or name holds what was typed', async () => {
    const world = listenerWorld();
    await resourceSuggestions(world.deps)({ ack: world.ack, options: { value: 'ORDERS' } } as unknown as ResourceOptionsArgs);
    expect(world.ack).toHaveBeenCalledWith({ options: [expect.objectContaining({ value: 'orders-db' })] });
  });
});
