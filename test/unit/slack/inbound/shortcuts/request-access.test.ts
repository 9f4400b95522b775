import { webApi } from '@slack/bolt';
import {
  requestAccessAboutMessageShortcut,
  requestAccessShortcut,
  type ShortcutArgs,
  SHORTCUTS,
  unknownShortcut,
} from '../../../../../src/slack/inbound/shortcuts/request-access';
import { REQUEST_FIELDS, REQUEST_MODAL } from '../../../../../src/slack/render/request-modal';
import { listenerWorld, PERMALINK, SIGNED_USER } from '../listener-fakes';

const RESPONSE_URL = 'https://hooks.slack.com/app/T0ABC123/1234567890123/AbCdEf123456';
const OPENED = { ok: true, view: { id: 'V0FORM', hash: '1700000000.abcd' } };

type View = {
  callback_id: string;
  private_metadata: string;
  blocks: { type: string; block_id?: string; element?: Record<string, unknown> }[];
};
const ticketOf = (view: View) => view.blocks.find((block) => block.block_id === REQUEST_FIELDS.ticket);

const globalShortcut = { type: 'shortcut', callback_id: SHORTCUTS.requestAccess, trigger_id: 'trigger-1', user: { id: SIGNED_USER } };
const messageShortcut = {
  type: 'message_action',
  callback_id: SHORTCUTS.requestAccessAboutMessage,
  trigger_id: 'trigger-2',
  user: { id: SIGNED_USER },
  channel: { id: 'C0INCIDENT', name: 'incidents' },
  message: { type: 'message', ts: '1700000000.000100', text: 'checkout is down' },
  response_url: RESPONSE_URL,
};

function args(world: ReturnType<typeof listenerWorld>, shortcut: object) {
  return { shortcut, ack: world.ack, client: world.webClient } as unknown as ShortcutArgs<never>;
}

/** views.open answers (or fails) with this, still written in the world's log. */
function viewsOpenAnswers(world: ReturnType<typeof listenerWorld>, answer: () => Promise<typeof OPENED>) {
  world.client.views.open.mockImplementationOnce(async () => {
    world.log.push('views.open');
    return answer();
  });
}

/** Slack's answer to a views.open whose trigger_id is past its 3 seconds. */
const expiredTrigger = () =>
  Object.assign(new Error('An API error occurred: expired_trigger_id'), {
    code: webApi.ErrorCode.PlatformError,
    data: { ok: false, error: 'expired_trigger_id' },
  });

describe('the global shortcut', () => {
  test('acks, then opens the request form with its trigger; without a response_url the outcome will come by DM', async () => {
    const world = listenerWorld();
    await requestAccessShortcut(world.deps)(args(world, globalShortcut));
    expect(world.log).toEqual(['ack', 'views.open']);
    const [{ trigger_id, view }] = world.client.views.open.mock.calls[0] as [{ trigger_id: string; view: View }];
    expect(trigger_id).toBe('trigger-1');
    expect(view.callback_id).toBe(REQUEST_MODAL);
    expect(JSON.parse(view.private_metadata)).toEqual({});
    expect(ticketOf(view)?.element).not.toHaveProperty('initial_value');
  });

  test('a trigger_id Slack no longer takes is said by DM, and nothing is asked of the application', async () => {
    const world = listenerWorld();
    viewsOpenAnswers(world, () => Promise.reject(expiredTrigger()));
    await requestAccessShortcut(world.deps)(args(world, globalShortcut));
    expect(world.log).toEqual(['ack', 'views.open', 'conversations.open', 'chat.postMessage']);
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: expect.stringMatching(/3 seconds.*Try again/) }),
    );
  });
});

describe('the message shortcut', () => {
  test('opens the form at once, then fills the ticket field with the message’s permalink', async () => {
    const world = listenerWorld();
    viewsOpenAnswers(world, async () => OPENED);
    await requestAccessAboutMessageShortcut(world.deps)(args(world, messageShortcut));

    expect(world.log).toEqual(['ack', 'views.open', 'chat.getPermalink', 'views.update']);
    const [{ view: opened }] = world.client.views.open.mock.calls[0] as [{ view: View }];
    // While the link is fetched the field is left out, so the update adds it with its initial value.
    expect(ticketOf(opened)).toBeUndefined();
    expect(JSON.parse(opened.private_metadata)).toEqual({ responseUrl: RESPONSE_URL });
    expect(world.client.chat.getPermalink).toHaveBeenCalledWith({ channel: 'C0INCIDENT', message_ts: '1700000000.000100' });
    const [update] = world.client.views.update.mock.calls[0] as [{ view_id: string; hash: string; view: View }];
    expect(update).toMatchObject({ view_id: 'V0FORM', hash: '1700000000.abcd' });
    expect(ticketOf(update.view)?.element).toMatchObject({ action_id: 'value', initial_value: PERMALINK });
    expect(update.view.private_metadata).toBe(opened.private_metadata);
  });

  test('when Slack gives no permalink, the form still gets its ticket field, empty, saying so', async () => {
    const world = listenerWorld();
    viewsOpenAnswers(world, async () => OPENED);
    world.client.chat.getPermalink.mockRejectedValueOnce(new Error('channel_not_found'));
    await requestAccessAboutMessageShortcut(world.deps)(args(world, messageShortcut));

    const [update] = world.client.views.update.mock.calls[0] as [{ view: View }];
    expect(ticketOf(update.view)?.element).not.toHaveProperty('initial_value');
    expect(ticketOf(update.view)).toMatchObject({ hint: { text: expect.stringContaining('Copy link') } });
  });

  test('a trigger_id Slack no longer takes is said through the shortcut’s response_url; no permalink is asked for', async () => {
    const world = listenerWorld();
    viewsOpenAnswers(world, () => Promise.reject(expiredTrigger()));
    const posted = jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('ok'));
    try {
      await requestAccessAboutMessageShortcut(world.deps)(args(world, messageShortcut));
      expect(world.log).toEqual(['ack', 'views.open']);
      expect(posted).toHaveBeenCalledWith(RESPONSE_URL, expect.objectContaining({ body: expect.stringMatching(/3 seconds/) }));
    } finally {
      posted.mockRestore();
    }
  });
});

describe('a shortcut prod-access does not know', () => {
  test('is acked and refused with a message, and no form is opened', async () => {
    const world = listenerWorld();
    await unknownShortcut(world.deps)(args(world, { ...globalShortcut, callback_id: 'request_admin_access' }));
    expect(world.log).toEqual(['ack', 'conversations.open', 'chat.postMessage']);
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: expect.stringContaining('does not know this shortcut') }),
    );
  });
});
