import {
  LIMITS,
  validateHomeView,
  validateMessageBlocks,
  validateModalView,
  validateOptionsResponse,
} from '../../../../devkit/slack-standin/block-kit-limits';

const text = (length: number): string => 'x'.repeat(length);
const plain = (value: string) => ({ type: 'plain_text', text: value });
const section = (value = 'hello') => ({ type: 'section', text: { type: 'mrkdwn', text: value } });
const button = (overrides: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Approve'),
  action_id: 'approve',
  value: 'req-1',
  ...overrides,
});
const actions = (elements: unknown[]) => ({ type: 'actions', elements });
const modal = (overrides: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Request access'),
  submit: plain('Request'),
  close: plain('Cancel'),
  blocks: [section()],
  ...overrides,
});

describe('validateMessageBlocks', () => {
  it('accepts a typical approval message', () => {
    const blocks = [
      { type: 'header', text: plain('Access request') },
      section('*alice* wants *prod-db* for 1h'),
      { type: 'section', fields: [plain('Reason'), { type: 'mrkdwn', text: '_incident_' }] },
      { type: 'divider' },
      actions([button(), button({ action_id: 'deny', text: plain('Deny'), style: 'danger' })]),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Expires in 1h' }] },
    ];

    expect(validateMessageBlocks(blocks)).toBeNull();
  });

  it('rejects blocks that are not an array', () => {
    expect(validateMessageBlocks({ type: 'section' })).toEqual({
      error: 'invalid_blocks',
      message: '[ERROR] must be an array [json-pointer:/blocks]',
    });
  });

  it('allows 50 blocks in a message but not 51', () => {
    expect(validateMessageBlocks(Array.from({ length: LIMITS.messageBlocks }, () => section()))).toBeNull();
    expect(validateMessageBlocks(Array.from({ length: LIMITS.messageBlocks + 1 }, () => section()))?.error).toBe('invalid_blocks');
  });

  it('rejects an unknown block type', () => {
    expect(validateMessageBlocks([{ type: 'sektion', text: plain('hi') }])?.message).toContain('[json-pointer:/blocks/0/type]');
  });

  it('rejects a repeated block_id', () => {
    const blocks = [
      { ...section(), block_id: 'same' },
      { ...section(), block_id: 'same' },
    ];

    expect(validateMessageBlocks(blocks)?.message).toContain('[json-pointer:/blocks/1/block_id]');
  });

  it('rejects a section with empty text, as Slack does', () => {
    expect(validateMessageBlocks([section('')])?.error).toBe('invalid_blocks');
  });

  it.each([
    ['section text', LIMITS.sectionText, (n: number) => [section(text(n))], '/blocks/0/text/text'],
    ['header text', LIMITS.headerText, (n: number) => [{ type: 'header', text: plain(text(n)) }], '/blocks/0/text/text'],
    ['button text', LIMITS.buttonText, (n: number) => [actions([button({ text: plain(text(n)) })])], '/blocks/0/elements/0/text/text'],
    ['button value', LIMITS.buttonValue, (n: number) => [actions([button({ value: text(n) })])], '/blocks/0/elements/0/value'],
    ['action_id', LIMITS.actionId, (n: number) => [actions([button({ action_id: text(n) })])], '/blocks/0/elements/0/action_id'],
    ['block_id', LIMITS.blockId, (n: number) => [{ ...section(), block_id: text(n) }], '/blocks/0/block_id'],
  ])('allows %s up to its limit (%d) and rejects one more', (_name, limit, build, pointer) => {
    expect(validateMessageBlocks(build(limit))).toBeNull();
    expect(validateMessageBlocks(build(limit + 1))).toEqual({
      error: 'invalid_blocks',
      message: `[ERROR] must be less than ${limit + 1} characters [json-pointer:${pointer}]`,
    });
  });

  it.each([
    [
      'actions elements',
      LIMITS.actionsElements,
      (n: number) => actions(Array.from({ length: n }, (_, i) => button({ action_id: `a${i}` }))),
    ],
    [
      'context elements',
      LIMITS.contextElements,
      (n: number) => ({ type: 'context', elements: Array.from({ length: n }, () => plain('x')) }),
    ],
    ['section fields', LIMITS.sectionFields, (n: number) => ({ type: 'section', fields: Array.from({ length: n }, () => plain('x')) })],
  ])('allows %s up to its limit (%d) and rejects one more', (_name, limit, build) => {
    expect(validateMessageBlocks([build(limit)])).toBeNull();
    expect(validateMessageBlocks([build(limit + 1)])?.message).toContain(`no more than ${limit} items allowed`);
  });

  it('accepts a button styled primary or danger, and refuses any other style', () => {
    expect(validateMessageBlocks([actions([button({ style: 'primary' }), button({ action_id: 'end', style: 'danger' })])])).toBeNull();
    expect(validateMessageBlocks([actions([button({ style: 'warning' })])])).toEqual({
      error: 'invalid_blocks',
      message: '[ERROR] must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]',
    });
  });

  it('rejects a header with mrkdwn text, which must be plain_text', () => {
    expect(validateMessageBlocks([{ type: 'header', text: { type: 'mrkdwn', text: '*hi*' } }])?.error).toBe('invalid_blocks');
  });

  it('allows a section field up to 2000 characters and rejects one more', () => {
    const fields = (n: number) => [{ type: 'section', fields: [plain('x'), { type: 'mrkdwn', text: text(n) }] }];
    expect(validateMessageBlocks(fields(LIMITS.sectionFieldText))).toBeNull();
    expect(validateMessageBlocks(fields(LIMITS.sectionFieldText + 1))?.message).toBe(
      `[ERROR] must be less than ${LIMITS.sectionFieldText + 1} characters [json-pointer:/blocks/0/fields/1/text]`,
    );
  });

  describe('a confirm dialog on a button', () => {
    const confirm = (overrides: Record<string, unknown> = {}) => ({
      title: plain('Approve write?'),
      text: plain('alice gets write on orders-db for 30m.'),
      confirm: plain('Approve'),
      deny: plain('Not yet'),
      style: 'danger',
      ...overrides,
    });
    const withConfirm = (dialog: unknown) => [actions([button({ style: 'primary', confirm: dialog })])];

    it('is accepted as Slack documents it', () => {
      expect(validateMessageBlocks(withConfirm(confirm()))).toBeNull();
      expect(validateMessageBlocks(withConfirm(confirm({ style: undefined, text: { type: 'mrkdwn', text: '*sure?*' } })))).toBeNull();
    });

    it.each([
      ['title', LIMITS.confirmTitle],
      ['text', LIMITS.confirmText],
      ['confirm', LIMITS.confirmButtonText],
      ['deny', LIMITS.confirmButtonText],
    ])('allows its %s up to %d characters and rejects one more', (field, limit) => {
      expect(validateMessageBlocks(withConfirm(confirm({ [field]: plain(text(limit)) })))).toBeNull();
      expect(validateMessageBlocks(withConfirm(confirm({ [field]: plain(text(limit + 1)) })))).toEqual({
        error: 'invalid_blocks',
        message: `[ERROR] must be less than ${limit + 1} characters [json-pointer:/blocks/0/elements/0/confirm/${field}/text]`,
      });
    });

    it.each(['title', 'confirm', 'deny'])('requires its %s, in plain_text', (field) => {
      expect(validateMessageBlocks(withConfirm(confirm({ [field]: undefined })))?.message).toContain(`/confirm/${field}]`);
      expect(validateMessageBlocks(withConfirm(confirm({ [field]: { type: 'mrkdwn', text: 'x' } })))?.message).toContain(
        `/confirm/${field}/type]`,
      );
    });

    it('requires its text, and a style of primary or danger', () => {
      expect(validateMessageBlocks(withConfirm(confirm({ text: undefined })))?.message).toContain('/confirm/text]');
      expect(validateMessageBlocks(withConfirm(confirm({ style: 'red' })))?.message).toBe(
        '[ERROR] must be one of primary, danger [json-pointer:/blocks/0/elements/0/confirm/style]',
      );
      expect(validateMessageBlocks(withConfirm('Are you sure?'))?.message).toContain('/elements/0/confirm]');
    });

    it('rejects a button style Slack does not have', () => {
      expect(validateMessageBlocks([actions([button({ style: 'warning' })])])?.message).toContain('/elements/0/style]');
    });
  });
});

describe('validateModalView', () => {
  it('accepts a modal with an input block and a submit button', () => {
    const view = modal({
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: plain('Reason'),
          element: { type: 'plain_text_input', action_id: 'reason' },
        },
      ],
      private_metadata: '',
      callback_id: 'request_access',
    });

    expect(validateModalView(view)).toBeNull();
  });

  it('allows a 24-character title and rejects 25 with invalid_arguments', () => {
    expect(validateModalView(modal({ title: plain(text(LIMITS.viewTitle)) }))).toBeNull();
    expect(validateModalView(modal({ title: plain(text(LIMITS.viewTitle + 1)) }))).toEqual({
      error: 'invalid_arguments',
      message: '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
    });
  });

  it.each(['submit', 'close'])('rejects %s text over 24 characters', (field) => {
    expect(validateModalView(modal({ [field]: plain(text(LIMITS.viewButtonText + 1)) }))?.message).toContain(`/view/${field}/text`);
  });

  it.each(['type', 'title', 'blocks'])('requires %s', (field) => {
    expect(validateModalView(modal({ [field]: undefined }))?.error).toBe('invalid_arguments');
  });

  it('allows 100 blocks in a modal but not 101', () => {
    expect(validateModalView(modal({ blocks: Array.from({ length: LIMITS.modalBlocks }, () => section()) }))).toBeNull();
    expect(validateModalView(modal({ blocks: Array.from({ length: LIMITS.modalBlocks + 1 }, () => section()) }))?.message).toContain(
      'no more than 100 items allowed [json-pointer:/view/blocks]',
    );
  });

  it('reports a bad block inside a modal as invalid_arguments, like Slack', () => {
    expect(validateModalView(modal({ blocks: [section(text(LIMITS.sectionText + 1))] }))).toEqual({
      error: 'invalid_arguments',
      message: '[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
    });
  });

  it('requires a submit button when the modal has input blocks', () => {
    const view = modal({
      submit: undefined,
      blocks: [{ type: 'input', label: plain('Reason'), element: { type: 'plain_text_input', action_id: 'reason' } }],
    });

    expect(validateModalView(view)?.message).toContain('/view/submit');
  });

  it('holds a text input to Slack’s limits: placeholder, prefilled value, min_length and max_length', () => {
    const input = (element: Record<string, unknown>) =>
      modal({
        blocks: [{ type: 'input', label: plain('Duration'), element: { type: 'plain_text_input', action_id: 'value', ...element } }],
      });
    expect(validateModalView(input({ placeholder: plain(text(150)), initial_value: '1h', min_length: 0, max_length: 3000 }))).toBeNull();
    expect(validateModalView(input({ placeholder: plain(text(151)) }))?.message).toContain('/view/blocks/0/element/placeholder/text');
    expect(validateModalView(input({ initial_value: text(3001) }))?.message).toContain('/view/blocks/0/element/initial_value');
    expect(validateModalView(input({ max_length: 3001 }))?.message).toContain('/view/blocks/0/element/max_length');
    expect(validateModalView(input({ max_length: 0 }))?.message).toContain('/view/blocks/0/element/max_length');
    expect(validateModalView(input({ min_length: -1 }))?.message).toContain('/view/blocks/0/element/min_length');
  });

  it('rejects private_metadata over 3000 characters', () => {
    expect(validateModalView(modal({ private_metadata: text(LIMITS.privateMetadata + 1) }))?.error).toBe('invalid_arguments');
  });
});

describe('selects and their options', () => {
  const option = (value: string, label = value) => ({ text: plain(label), value });
  const options = (count: number) => Array.from({ length: count }, (_, i) => option(`r${i}`));
  const selectModal = (element: Record<string, unknown>) =>
    modal({ blocks: [{ type: 'input', block_id: 'resource', label: plain('Resource'), element: { action_id: 'value', ...element } }] });

  it('allows a static select 100 options but not 101, nor none', () => {
    expect(validateModalView(selectModal({ type: 'static_select', options: options(LIMITS.selectOptions) }))).toBeNull();
    expect(validateModalView(selectModal({ type: 'static_select', options: options(LIMITS.selectOptions + 1) }))?.message).toBe(
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks/0/element/options]',
    );
    expect(validateModalView(selectModal({ type: 'static_select', options: [] }))?.error).toBe('invalid_arguments');
    expect(validateModalView(selectModal({ type: 'static_select' }))?.error).toBe('invalid_arguments');
  });

  it('holds option text to 75 characters and values to 150', () => {
    const longText = [option('r1', text(LIMITS.optionText + 1))];
    const longValue = [option(text(LIMITS.optionValue + 1), 'ok')];

    expect(validateModalView(selectModal({ type: 'static_select', options: [option('r1', text(LIMITS.optionText))] }))).toBeNull();
    expect(validateModalView(selectModal({ type: 'static_select', options: longText }))?.message).toContain('/options/0/text/text');
    expect(validateModalView(selectModal({ type: 'static_select', options: longValue }))?.message).toContain('/options/0/value');
  });

  it('lets an external select list no options of its own', () => {
    expect(validateModalView(selectModal({ type: 'external_select', min_query_length: 0 }))).toBeNull();
    expect(validateModalView(selectModal({ type: 'external_select', options: options(2) }))?.error).toBe('invalid_arguments');
  });

  it('takes a datetimepicker in an input or actions block, with a ten-digit UNIX timestamp and no placeholder', () => {
    const picker = { type: 'datetimepicker', action_id: 'value' };
    expect(validateModalView(selectModal({ type: 'datetimepicker' }))).toBeNull();
    expect(validateModalView(selectModal({ type: 'datetimepicker', initial_date_time: 1_796_200_000 }))).toBeNull();
    expect(validateModalView(modal({ blocks: [actions([picker])] }))).toBeNull();
    expect(validateModalView(selectModal({ type: 'datetimepicker', initial_date_time: 1_796_200_000_000 }))?.message).toBe(
      '[ERROR] must be a UNIX timestamp in seconds (10 digits) [json-pointer:/view/blocks/0/element/initial_date_time]',
    );
    expect(validateModalView(selectModal({ type: 'datetimepicker', initial_date_time: '1796200000' }))?.error).toBe('invalid_arguments');
    expect(validateModalView(selectModal({ type: 'datetimepicker', placeholder: plain('When') }))?.message).toContain(
      '/view/blocks/0/element/placeholder',
    );
    expect(validateMessageBlocks([{ ...section(), accessory: picker }])?.message).toBe(
      '[ERROR] datetimepicker is not allowed as a section accessory [json-pointer:/blocks/0/accessory/type]',
    );
  });

  it('checks an options answer to block_suggestion like a select', () => {
    expect(validateOptionsResponse({ options: options(LIMITS.selectOptions) })).toBeNull();
    expect(validateOptionsResponse({ options: [] })).toBeNull();
    expect(validateOptionsResponse({ option_groups: [{ label: plain('Databases'), options: options(3) }] })).toBeNull();
    expect(validateOptionsResponse({ options: options(LIMITS.selectOptions + 1) })?.message).toContain('no more than 100 items');
    expect(validateOptionsResponse({ options: options(1), option_groups: [] })?.error).toBe('invalid_arguments');
    expect(validateOptionsResponse({})?.error).toBe('invalid_arguments');
  });
});

describe('validateHomeView', () => {
  it('takes a home view of blocks and refuses a modal', () => {
    expect(validateHomeView({ type: 'home', blocks: [section()] })).toBeNull();
    expect(validateHomeView(modal())?.message).toBe('[ERROR] must be "home" [json-pointer:/view/type]');
  });
});
