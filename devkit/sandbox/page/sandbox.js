// The sandbox page: plays Slack's client for the people of the demo workspace. What happens here goes
// to the sandbox server, which signs it as Slack would and sends it to prod-access's real endpoint.
import { escapeHtml, renderMrkdwn, renderPlain } from './mrkdwn.js';

const LONG_POLL_MS = 20_000;

const state = {
  workspace: null,
  me: '',
  current: '',
  /** conversation id → Map(ts → { message, at }) */
  messages: new Map(),
  /** { message, at }, for every user; shown only to theirs */
  ephemerals: [],
  /** Lines the page itself shows, like Slack's own error lines: { channel, user, text, ts, at } */
  notices: [],
  unread: new Map(),
  seq: 0,
  modal: null,
  /** user id → the App Home view the app last published for them */
  homes: new Map(),
  /** Set when the person moves, so the next render shows the newest messages. */
  scrollToEnd: false,
};

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'html') node.innerHTML = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

async function call(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

// ---- who is who, and names in text ----

const person = (id) => state.workspace.people.find((p) => p.id === id);
const dmOf = (userId) => `D${userId}`;
/** The app's Home tab is shown where a conversation would be, under this id. */
const HOME = 'home';
const names = {
  user: (id) => (id === state.workspace.bot.id ? state.workspace.bot.name : (person(id)?.realName ?? id)),
  channel: (id) => state.workspace.channels.find((c) => c.id === id)?.name ?? id,
  group: (id) => state.workspace.usergroups.find((g) => g.id === id)?.handle ?? id,
};

function conversationName(id) {
  if (id === HOME) return `${state.workspace.bot.name} · Home`;
  return id.startsWith('D') ? state.workspace.bot.name : `#${names.channel(id)}`;
}

// ---- changes from the workspace ----

function apply(changes, { live }) {
  for (const change of changes) {
    state.seq = Math.max(state.seq, change.seq);
    if (change.kind === 'message') {
      const conversation = state.messages.get(change.channel) ?? new Map();
      const known = conversation.get(change.message.ts);
      conversation.set(change.message.ts, { message: change.message, at: known?.at ?? change.at });
      state.messages.set(change.channel, conversation);
      if (!known) countUnread(change.channel);
    } else if (change.kind === 'ephemeral') {
      state.ephemerals.push({ message: change.message, at: change.at });
      if (change.message.user === state.me) countUnread(change.message.channel);
    } else if (change.kind === 'view' && change.view.type === 'home') {
      if (change.user) state.homes.set(change.user, change.view);
    } else if (change.kind === 'view' && live && change.user === state.me) {
      const sameView = state.modal?.view.id === change.view.id;
      openModal(change.view, sameView ? state.modal.errors : {});
    }
  }
  render();
}

function countUnread(channel) {
  if (channel === state.current || (channel.startsWith('D') && channel !== dmOf(state.me))) return;
  state.unread.set(channel, (state.unread.get(channel) ?? 0) + 1);
}

async function follow() {
  apply((await call('/api/changes?after=0')).changes, { live: false });
  for (;;) {
    try {
      const { changes } = await call(`/api/changes?after=${state.seq}&wait=${LONG_POLL_MS}`);
      $('connection').hidden = true;
      apply(changes, { live: true });
    } catch {
      $('connection').hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// ---- the sidebar and the conversation ----

function render() {
  renderSidebar();
  renderConversation();
}

function renderSidebar() {
  const item = (id, label) =>
    el(
      'li',
      {},
      el(
        'button',
        {
          class: `conversation-link${id === state.current ? ' active' : ''}${state.unread.get(id) ? ' unread' : ''}`,
          'data-conversation': id,
          onclick: () => show(id),
        },
        label,
        state.unread.get(id) ? el('span', { class: 'badge' }, String(state.unread.get(id))) : null,
      ),
    );
  $('channels').replaceChildren(...state.workspace.channels.map((c) => item(c.id, `# ${c.name}`)));
  $('apps').replaceChildren(item(HOME, `🏠 ${state.workspace.bot.name} Home`), item(dmOf(state.me), `🔑 ${state.workspace.bot.name}`));
}

/** A reply in a thread, shown under its parent rather than in the conversation. */
const isReply = (message) => message.thread_ts !== undefined && message.thread_ts !== message.ts;

/** The replies to the message at `ts`, oldest first. */
function threadReplies(conversation, ts) {
  return [...(state.messages.get(conversation)?.values() ?? [])]
    .filter((entry) => isReply(entry.message) && entry.message.thread_ts === ts)
    .sort((a, b) => Number(a.message.ts) - Number(b.message.ts));
}

/** The conversation as the current person sees it: its messages, plus the ephemeral ones meant for them. */
function visibleEntries(conversation) {
  const entries = [...(state.messages.get(conversation)?.values() ?? [])]
    .filter((entry) => !isReply(entry.message))
    .map((entry) => ({ ...entry, ephemeral: false }));
  for (const { message, at } of state.ephemerals) {
    if (message.channel === conversation && message.user === state.me)
      entries.push({ message: { ...message, ts: message.message_ts }, at, ephemeral: true });
  }
  for (const notice of state.notices) {
    if (notice.channel === conversation && notice.user === state.me)
      entries.push({ message: notice, at: notice.at, ephemeral: true, fromSandbox: true });
  }
  return entries.sort((a, b) => Number(a.message.ts) - Number(b.message.ts) || a.at - b.at);
}

function renderConversation() {
  const id = state.current;
  $('conversation-title').textContent = conversationName(id);
  $('composer').hidden = id === HOME;
  if (id === HOME) return renderHome();
  $('conversation-topic').textContent = id.startsWith('D')
    ? `Your direct messages with the ${state.workspace.bot.name} app`
    : (state.workspace.channels.find((c) => c.id === id)?.topic ?? '');
  $('composer-input').placeholder = `Message ${conversationName(id)}: try ${state.workspace.command} help`;
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const entries = visibleEntries(id);
  list.replaceChildren(
    ...(entries.length > 0 ? entries.map((entry) => renderMessage(entry, id)) : [el('p', { class: 'empty' }, 'No messages yet.')]),
  );
  if (atBottom || state.scrollToEnd) list.scrollTop = list.scrollHeight;
  state.scrollToEnd = false;
}

/** The app's Home tab as it last published it for the current person (Slack shows nothing until it does). */
function renderHome() {
  $('conversation-topic').textContent = 'What you hold, what you asked for, what waits for your decision';
  const view = state.homes.get(state.me);
  $('messages').replaceChildren(
    view
      ? el('div', { class: 'app-home', 'data-view': view.id }, renderBlocks(view.blocks, { home: true, interactive: true }))
      : el('p', { class: 'empty' }, 'Opening the Home tab…'),
  );
}

function renderMessage({ message, at, ephemeral, fromSandbox }, conversation) {
  // A person's message has no bot_id: its author is that person.
  const byPerson = !fromSandbox && !ephemeral && !message.bot_id;
  const author = fromSandbox ? 'Slackbot' : byPerson ? names.user(message.user) : state.workspace.bot.name;
  const time = new Date(at).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const content = message.blocks?.length
    ? renderBlocks(message.blocks, { conversation, ts: message.ts, interactive: !ephemeral })
    : el('div', { class: 'mrkdwn', html: renderMrkdwn(message.text ?? '', names) });
  return el(
    'article',
    { class: `message${ephemeral ? ' ephemeral' : ''}`, 'data-ts': message.ts },
    el(
      'div',
      { class: `avatar${fromSandbox ? ' slackbot' : ''}${byPerson ? ' person' : ''}`, 'aria-hidden': 'true' },
      fromSandbox ? '💬' : byPerson ? author.slice(0, 1) : '🔑',
    ),
    el(
      'div',
      { class: 'message-body' },
      el(
        'div',
        { class: 'message-meta' },
        el('b', {}, author),
        fromSandbox || byPerson ? null : el('span', { class: 'app-tag' }, 'APP'),
        el('span', { class: 'time' }, time),
        fromSandbox || ephemeral ? null : messageActions(conversation, message.ts),
      ),
      content,
      ephemeral ? el('div', { class: 'only-you' }, '👁 Only visible to you') : null,
      ephemeral || isReply(message) ? null : renderThread(threadReplies(conversation, message.ts), conversation),
    ),
  );
}

// ---- shortcuts ----

/** The app's shortcuts of a type ('global' or 'message'), as its manifest declares them. */
const shortcutsOf = (type) => state.workspace.shortcuts.filter((shortcut) => shortcut.type === type);

/** A message's More actions menu (⋯), with the app's message shortcuts, as in Slack. */
function messageActions(conversation, ts) {
  const shortcuts = shortcutsOf('message');
  if (shortcuts.length === 0) return null;
  const button = el('button', { type: 'button', class: 'more-actions', 'aria-label': 'More actions', title: 'More actions' }, '⋯');
  button.addEventListener('click', () =>
    openMenu(button, shortcuts, (shortcut) => useShortcut({ callbackId: shortcut.callbackId, channel: conversation, ts })),
  );
  return button;
}

/** A menu of shortcuts under `anchor`; it closes at the next click anywhere. */
function openMenu(anchor, shortcuts, choose) {
  document.querySelector('.menu')?.remove();
  const menu = el(
    'div',
    { class: 'menu', role: 'menu' },
    ...shortcuts.map((shortcut) =>
      el('button', { type: 'button', role: 'menuitem', onclick: () => void choose(shortcut) }, `⚡ ${shortcut.name}`),
    ),
  );
  // Below the anchor in the upper half of the window, above it in the lower half (the composer's).
  const place = anchor.getBoundingClientRect();
  menu.style.left = `${place.left}px`;
  if (place.top < window.innerHeight / 2) menu.style.top = `${place.bottom + 4}px`;
  else menu.style.bottom = `${window.innerHeight - place.top + 4}px`;
  document.body.append(menu);
  setTimeout(() => document.addEventListener('click', () => menu.remove(), { once: true }));
}

/** Sends a shortcut as Slack does: a global one with no conversation, a message one with the message. */
async function useShortcut(shortcut) {
  const conversation = state.current;
  try {
    await call('/api/shortcut', { user: state.me, ...shortcut });
  } catch (error) {
    notice(conversation, `The shortcut did not reach ${state.workspace.bot.name}: ${error.message}`);
  }
}

/** A message's thread, open under it as the sandbox has no side pane: its replies, in order. */
function renderThread(replies, conversation) {
  if (replies.length === 0) return null;
  return el(
    'div',
    { class: 'thread' },
    el('div', { class: 'thread-count' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
    ...replies.map((reply) => renderMessage({ ...reply, ephemeral: false }, conversation)),
  );
}

// ---- Block Kit ----

function text(object) {
  if (!object) return '';
  return object.type === 'mrkdwn' ? renderMrkdwn(object.text, names) : renderPlain(object.text);
}

/** `where` is the message the blocks sit in (for buttons), or the modal with its errors. */
function renderBlocks(blocks, where) {
  return el('div', { class: 'blocks' }, ...blocks.map((block, index) => renderBlock(block, index, where)));
}

function renderBlock(block, index, where) {
  switch (block.type) {
    case 'header':
      return el('h3', { class: 'block-header', html: renderPlain(block.text.text) });
    case 'section':
      return el(
        'div',
        { class: 'block-section' },
        block.text ? el('div', { class: 'mrkdwn', html: text(block.text) }) : null,
        block.fields
          ? el('div', { class: 'fields' }, ...block.fields.map((field) => el('div', { class: 'mrkdwn', html: text(field) })))
          : null,
        block.accessory ? el('div', { class: 'accessory' }, renderActionElement(block.accessory, index, where, block)) : null,
      );
    case 'context':
      return el(
        'div',
        { class: 'block-context' },
        ...block.elements.map((element) =>
          element.type === 'image' ? el('img', { src: element.image_url, alt: element.alt_text }) : el('span', { html: text(element) }),
        ),
      );
    case 'divider':
      return el('hr', { class: 'block-divider' });
    case 'actions':
      return el(
        'div',
        { class: 'block-actions', 'data-block-id': block.block_id },
        ...block.elements.map((element) => renderActionElement(element, index, where, block)),
      );
    case 'input':
      return renderInput(block, where);
    default:
      return el('div', { class: 'unsupported' }, `(a ${block.type} block, which the sandbox does not draw)`);
  }
}

function renderActionElement(element, blockIndex, where, block) {
  if (element.type !== 'button') return el('span', { class: 'unsupported' }, `(${element.type})`);
  const button = el(
    'button',
    { class: `sk-button${element.style ? ` ${element.style}` : ''}`, disabled: !where.interactive },
    element.text.text,
  );
  button.addEventListener('click', async () => {
    if (element.url) return window.open(element.url, '_blank', 'noopener');
    if (element.confirm && !(await confirmDialog(element.confirm))) return;
    button.disabled = true;
    try {
      if (where.home) await call('/api/home-action', { user: state.me, blockId: block.block_id, actionId: element.action_id });
      else
        await call('/api/action', { user: state.me, channel: where.conversation, ts: where.ts, blockIndex, actionId: element.action_id });
    } catch (error) {
      notice(where.home ? dmOf(state.me) : where.conversation, `Your click did not reach ${state.workspace.bot.name}: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.remove();
      resolve(answer);
    };
    const dialog = el(
      'div',
      { class: 'overlay' },
      el(
        'div',
        { class: 'dialog', role: 'alertdialog', 'aria-label': confirm.title?.text ?? 'Are you sure?' },
        el('h2', { html: renderPlain(confirm.title?.text ?? 'Are you sure?') }),
        el('div', { class: 'mrkdwn', html: text(confirm.text) }),
        el(
          'div',
          { class: 'dialog-buttons' },
          el('button', { class: 'sk-button', onclick: () => close(false) }, confirm.deny?.text ?? 'Cancel'),
          el('button', { class: `sk-button ${confirm.style ?? 'primary'}`, onclick: () => close(true) }, confirm.confirm?.text ?? 'Yes'),
        ),
      ),
    );
    document.body.append(dialog);
  });
}

// ---- modals ----

function renderInput(block, where) {
  const element = block.element;
  const id = `input-${block.block_id}`;
  let control;
  if (element.type === 'static_select') {
    control = el(
      'select',
      { id, 'data-block': block.block_id, 'data-action': element.action_id, 'data-type': element.type },
      el('option', { value: '' }, element.placeholder?.text ?? 'Select an item'),
      ...element.options.map((option) =>
        el('option', { value: option.value, selected: element.initial_option?.value === option.value }, option.text.text),
      ),
    );
    // Slack sends such a choice at once, so the app can update the modal (the request form's levels).
    if (block.dispatch_action) control.addEventListener('change', () => void dispatchChoice(block, control));
  } else if (element.type === 'plain_text_input') {
    control = el(element.multiline ? 'textarea' : 'input', {
      id,
      'data-block': block.block_id,
      'data-action': element.action_id,
      'data-type': element.type,
      placeholder: element.placeholder?.text,
      maxlength: element.max_length,
    });
    control.value = element.initial_value ?? '';
  } else if (element.type === 'datetimepicker') {
    // Slack's picker shows the person's local time and sends a UNIX timestamp in seconds; so does this one.
    control = el('input', {
      id,
      type: 'datetime-local',
      'data-block': block.block_id,
      'data-action': element.action_id,
      'data-type': element.type,
    });
    control.value = element.initial_date_time ? localDateTime(element.initial_date_time) : '';
  } else {
    control = el('div', { class: 'unsupported' }, `(a ${element.type} input, which the sandbox does not draw)`);
  }
  const error = where.errors?.[block.block_id];
  return el(
    'div',
    { class: `block-input${error ? ' has-error' : ''}` },
    el('label', { for: id }, block.label.text, block.optional ? el('span', { class: 'optional' }, ' (optional)') : null),
    control,
    error ? el('div', { class: 'field-error', role: 'alert' }, error) : null,
    block.hint ? el('div', { class: 'hint', html: renderPlain(block.hint.text) }) : null,
  );
}

/** A UNIX timestamp as a datetime-local input's value, in the browser's time zone: `2026-12-02T09:00`. */
function localDateTime(unixSeconds) {
  const at = new Date(unixSeconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

async function dispatchChoice(block, control) {
  if (!control.value || !state.modal) return;
  const values = viewValues($('modal-form'));
  const choice = { user: state.me, viewId: state.modal.view.id, blockId: block.block_id, actionId: block.element.action_id };
  try {
    await call('/api/view-action', { ...choice, value: control.value, values });
  } catch (error) {
    notice(state.current, `Your choice did not reach ${state.workspace.bot.name}: ${error.message}`);
  }
}

/** `view.state.values` as Slack sends it: block_id → action_id → the element's state. */
function viewValues(form) {
  const values = {};
  for (const control of form.querySelectorAll('[data-block]')) {
    const { block, action, type } = control.dataset;
    const state =
      type === 'static_select'
        ? {
            type,
            selected_option: control.value
              ? { text: { type: 'plain_text', text: control.selectedOptions[0].text }, value: control.value }
              : null,
          }
        : type === 'datetimepicker'
          ? { type, selected_date_time: control.value ? Math.floor(new Date(control.value).getTime() / 1000) : null }
          : { type, value: control.value === '' ? null : control.value };
    values[block] = { [action]: state };
  }
  return values;
}

/** Slack's client refuses an empty required field itself, before the app hears of it. */
function missingRequired(view, values) {
  const errors = {};
  for (const block of view.blocks.filter((b) => b.type === 'input' && !b.optional)) {
    const value = values[block.block_id]?.[block.element.action_id];
    if (value && !value.value && !value.selected_option && !value.selected_date_time)
      errors[block.block_id] = 'Please complete this required field.';
  }
  return errors;
}

function openModal(view, errors) {
  const previous = state.modal && state.modal.view.id === view.id ? viewValues($('modal-form')) : {};
  state.modal = { view, errors };
  const form = el(
    'form',
    { id: 'modal-form', class: 'modal', role: 'dialog', 'aria-label': view.title.text, 'data-view': view.id },
    el(
      'div',
      { class: 'modal-title' },
      el('h2', { html: renderPlain(view.title.text) }),
      el('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: closeModal }, '✕'),
    ),
    el('div', { class: 'modal-body' }, renderBlocks(view.blocks, { errors, interactive: false })),
    el(
      'div',
      { class: 'modal-footer' },
      el('button', { type: 'button', class: 'sk-button', onclick: closeModal }, view.close?.text ?? 'Cancel'),
      view.submit ? el('button', { type: 'submit', class: 'sk-button primary' }, view.submit.text) : null,
    ),
  );
  // A redrawn view keeps what the person typed, as Slack keeps input state across updates.
  for (const control of form.querySelectorAll('[data-block]')) {
    const kept = previous[control.dataset.block]?.[control.dataset.action];
    if (kept)
      control.value = kept.selected_date_time ? localDateTime(kept.selected_date_time) : (kept.selected_option?.value ?? kept.value ?? '');
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitModal(form, view);
  });
  $('modal-root').replaceChildren(el('div', { class: 'overlay' }, form));
  form.querySelector('select, input, textarea')?.focus();
}

async function submitModal(form, view) {
  const values = viewValues(form);
  const missing = missingRequired(view, values);
  if (Object.keys(missing).length > 0) return openModal(view, missing);
  const submit = form.querySelector('button[type=submit]');
  submit.disabled = true;
  try {
    const answer = await call('/api/view', { user: state.me, viewId: view.id, values });
    if (answer.errors) openModal(view, answer.errors);
    else closeModal();
  } catch (error) {
    openModal(view, {});
    notice(state.current, `The form did not reach ${state.workspace.bot.name}: ${error.message}`);
  } finally {
    submit.disabled = false;
  }
}

function closeModal() {
  state.modal = null;
  $('modal-root').replaceChildren();
}

// ---- what the person does ----

function show(conversation) {
  state.current = conversation;
  state.unread.delete(conversation);
  state.scrollToEnd = true;
  render();
  if (conversation === HOME) void openHome();
}

/** Opening the Home tab is an event Slack sends the app (app_home_opened), which publishes the home. */
async function openHome() {
  try {
    await call('/api/home', { user: state.me });
  } catch (error) {
    notice(dmOf(state.me), `The Home tab did not reach ${state.workspace.bot.name}: ${error.message}`);
  }
}

function becomes(userId) {
  state.me = userId;
  localStorage.setItem('prod-access-sandbox-me', userId);
  state.unread.clear();
  closeModal();
  if (state.current.startsWith('D')) state.current = dmOf(userId);
  $('me').value = userId;
  $('query-who').textContent = person(userId).realName;
  $('psql').textContent = person(userId).psql;
  $('query-result').replaceChildren();
  state.scrollToEnd = true;
  render();
  if (state.current === HOME) void openHome();
}

/** A line from the sandbox itself, only for the current person, like Slackbot's error lines. */
function notice(channel, line) {
  const last = visibleEntries(channel).at(-1);
  state.notices.push({ channel, user: state.me, text: line, ts: String(Number(last?.message.ts ?? 0) + 0.000001), at: Date.now() });
  render();
}

/** A slash command goes to the app; anything else is a message of this person's, which shortcuts can be used on. */
async function sendCommand(line) {
  const conversation = state.current;
  try {
    if (line.startsWith('/')) await call('/api/command', { user: state.me, channel: conversation, text: line });
    else await call('/api/message', { user: state.me, channel: conversation, text: line });
  } catch (error) {
    notice(conversation, error.message);
  }
}

async function runQuery() {
  const result = $('query-result');
  result.replaceChildren(el('p', { class: 'hint' }, 'Running…'));
  const answer = await call('/api/query', { user: state.me }).catch((error) => ({ error: error.message }));
  if (answer.error) {
    result.replaceChildren(el('p', { class: 'query-error' }, `ERROR: ${answer.error}`));
    return;
  }
  const columns = Object.keys(answer.rows[0] ?? {});
  result.replaceChildren(
    el(
      'table',
      { class: 'query-rows' },
      el('tr', {}, ...columns.map((column) => el('th', {}, column))),
      ...answer.rows.map((row) => el('tr', {}, ...columns.map((column) => el('td', {}, String(row[column]))))),
    ),
  );
}

async function start() {
  state.workspace = await call('/api/workspace');
  const { people, channels } = state.workspace;
  $('workspace-name').textContent = state.workspace.team;
  $('me').replaceChildren(...people.map((p) => el('option', { value: p.id }, `${p.realName} (${p.title})`)));
  $('me').addEventListener('change', (event) => becomes(event.target.value));
  $('people').replaceChildren(...people.map((p) => el('li', {}, el('b', {}, p.realName), ` @${p.name}, ${p.title.toLowerCase()}`)));
  const developer = people[0];
  $('guide-developer').textContent = `${developer.realName} (${developer.title.toLowerCase()})`;
  $('guide-command').textContent = `${state.workspace.command} request orders-db read-only 2m checking order 1002`;
  $('guide-managers').innerHTML = people
    .filter((p) => /manager/i.test(p.title))
    .map((p) => `<b>${escapeHtml(p.realName)}</b>`)
    .join(' or ');
  $('query').addEventListener('click', () => void runQuery());
  // Slack's client opens its own permalinks (…/archives/<channel>/p<ts>) in place, and so does the page.
  $('messages').addEventListener('click', (event) => {
    const permalink = event.target.closest('a')?.href.match(/\/archives\/([A-Z0-9]+)\/p\d+$/);
    if (!permalink) return;
    event.preventDefault();
    show(permalink[1]);
  });
  const globalShortcuts = shortcutsOf('global');
  $('shortcuts').hidden = globalShortcuts.length === 0;
  $('shortcuts').addEventListener('click', () =>
    openMenu($('shortcuts'), globalShortcuts, (shortcut) => useShortcut({ callbackId: shortcut.callbackId })),
  );
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('composer-input');
    const line = input.value.trim();
    input.value = '';
    if (line) void sendCommand(line);
  });
  state.current = channels[0].id;
  const saved = localStorage.getItem('prod-access-sandbox-me');
  becomes(people.some((p) => p.id === saved) ? saved : developer.id);
  await follow();
}

void start();
