/**
 * Block Kit limits as Slack enforces them, so that what the stand-in accepts Slack accepts too.
 * Only the limits this app can plausibly hit are checked; unchecked fields pass.
 * Limits: https://docs.slack.dev/reference/block-kit/blocks
 */

export type BlockKitErrorCode = 'invalid_blocks' | 'invalid_arguments';

/** `message` mimics Slack's `response_metadata.messages` entries, e.g. "[ERROR] ... [json-pointer:/blocks/0]". */
export interface BlockKitViolation {
  error: BlockKitErrorCode;
  message: string;
}

interface Problem {
  pointer: string;
  reason: string;
}

type Check = Problem | null;
type Surface = 'message' | 'modal';
type Json = Record<string, unknown>;

export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  markdownText: 12000,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButtonText: 30,
  buttonValue: 2000,
  textInputPlaceholder: 150,
  textInputLength: 3000,
  url: 3000,
  actionId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  imageAltText: 2000,
  viewTitle: 24,
  viewButtonText: 24,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
  selectOptions: 100,
  optionGroups: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  optionGroupLabel: 75,
} as const;

/** chat.postMessage / chat.update / chat.postEphemeral `blocks`. */
export function validateMessageBlocks(blocks: unknown): BlockKitViolation | null {
  return violation('invalid_blocks', checkBlocks(blocks, 'message', '/blocks'));
}

/** views.open / views.update / views.push `view`; Slack reports every view problem as invalid_arguments. */
export function validateModalView(view: unknown): BlockKitViolation | null {
  return violation('invalid_arguments', checkModalView(view, '/view'));
}

/**
 * The app's answer to a block_suggestion (an external_select asking for options): `options` or
 * `option_groups`, as Slack takes them; anything else shows the user no options.
 */
export function validateOptionsResponse(body: unknown): BlockKitViolation | null {
  if (!isRecord(body)) return violation('invalid_arguments', problem('', 'must provide an object'));
  // No match for what the user typed is an empty list, which a static select may not have.
  if (Array.isArray(body.options) && body.options.length === 0 && body.option_groups === undefined) return null;
  return violation('invalid_arguments', checkOptionSource(body, ''));
}

/** views.publish `view`: a Home tab, which has no title or buttons, only blocks. */
export function validateHomeView(view: unknown): BlockKitViolation | null {
  return violation('invalid_arguments', checkHomeView(view, '/view'));
}

function violation(error: BlockKitErrorCode, problem: Check): BlockKitViolation | null {
  return problem && { error, message: `[ERROR] ${problem.reason} [json-pointer:${problem.pointer}]` };
}

function checkModalView(view: unknown, at: string): Check {
  if (!isRecord(view)) return problem(at, 'must provide an object');
  if (view.type !== 'modal') return problem(`${at}/type`, 'must be "modal"');
  return (
    checkText(view.title, `${at}/title`, { max: LIMITS.viewTitle, plainOnly: true }) ??
    checkOptionalText(view.submit, `${at}/submit`, { max: LIMITS.viewButtonText, plainOnly: true }) ??
    checkOptionalText(view.close, `${at}/close`, { max: LIMITS.viewButtonText, plainOnly: true }) ??
    checkViewFields(view, at) ??
    checkBlocks(view.blocks, 'modal', `${at}/blocks`) ??
    checkSubmitForInputs(view, at)
  );
}

function checkHomeView(view: unknown, at: string): Check {
  if (!isRecord(view)) return problem(at, 'must provide an object');
  if (view.type !== 'home') return problem(`${at}/type`, 'must be "home"');
  return checkViewFields(view, at) ?? checkBlocks(view.blocks, 'modal', `${at}/blocks`);
}

/** Fields every kind of view has. */
function checkViewFields(view: Json, at: string): Check {
  return (
    checkOptionalString(view.callback_id, `${at}/callback_id`, LIMITS.callbackId) ??
    checkOptionalString(view.private_metadata, `${at}/private_metadata`, LIMITS.privateMetadata) ??
    checkOptionalString(view.external_id, `${at}/external_id`, LIMITS.externalId)
  );
}

/** Slack refuses a modal with input blocks but no submit button. */
function checkSubmitForInputs(view: Json, at: string): Check {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  const hasInput = blocks.some((block) => isRecord(block) && block.type === 'input');
  return hasInput && view.submit === undefined ? problem(`${at}/submit`, 'is required when using input blocks') : null;
}

function checkBlocks(blocks: unknown, surface: Surface, at: string): Check {
  if (!Array.isArray(blocks)) return problem(at, 'must be an array');
  const max = surface === 'message' ? LIMITS.messageBlocks : LIMITS.modalBlocks;
  if (blocks.length > max) return problem(at, `no more than ${max} items allowed`);
  return eachOf(blocks, (block, i) => checkBlock(block, `${at}/${i}`)) ?? checkUniqueBlockIds(blocks, at);
}

function checkUniqueBlockIds(blocks: unknown[], at: string): Check {
  const seen = new Set<unknown>();
  return eachOf(blocks, (block, i) => {
    const id = isRecord(block) ? block.block_id : undefined;
    if (id === undefined) return null;
    if (seen.has(id)) return problem(`${at}/${i}/block_id`, 'duplicate block_id');
    seen.add(id);
    return null;
  });
}

const NO_CHECK = (): Check => null;

const BLOCK_CHECKS: Record<string, (block: Json, at: string) => Check> = {
  actions: checkActionsBlock,
  context: checkContextBlock,
  context_actions: NO_CHECK,
  divider: NO_CHECK,
  file: NO_CHECK,
  header: (block, at) => checkText(block.text, `${at}/text`, { max: LIMITS.headerText, plainOnly: true }),
  image: checkImageBlock,
  input: checkInputBlock,
  markdown: (block, at) => checkString(block.text, `${at}/text`, LIMITS.markdownText),
  rich_text: NO_CHECK,
  section: checkSectionBlock,
  table: NO_CHECK,
  video: NO_CHECK,
};

function checkBlock(block: unknown, at: string): Check {
  if (!isRecord(block)) return problem(at, 'must provide an object');
  const checkType = typeof block.type === 'string' ? BLOCK_CHECKS[block.type] : undefined;
  if (!checkType) return problem(`${at}/type`, `unsupported block type: ${String(block.type)}`);
  return checkOptionalString(block.block_id, `${at}/block_id`, LIMITS.blockId) ?? checkType(block, at);
}

function checkSectionBlock(block: Json, at: string): Check {
  if (block.text === undefined && block.fields === undefined) return problem(at, 'must provide text or fields');
  return (
    checkOptionalText(block.text, `${at}/text`, { max: LIMITS.sectionText }) ??
    checkSectionFields(block.fields, `${at}/fields`) ??
    (block.accessory === undefined ? null : checkAccessory(block.accessory, `${at}/accessory`))
  );
}

function checkSectionFields(fields: unknown, at: string): Check {
  if (fields === undefined) return null;
  if (!Array.isArray(fields)) return problem(at, 'must be an array');
  if (fields.length > LIMITS.sectionFields) return problem(at, `no more than ${LIMITS.sectionFields} items allowed`);
  return eachOf(fields, (field, i) => checkText(field, `${at}/${i}`, { max: LIMITS.sectionFieldText }));
}

function checkAccessory(accessory: unknown, at: string): Check {
  if (isRecord(accessory) && typeof accessory.type === 'string' && NOT_AN_ACCESSORY.has(accessory.type)) {
    return problem(`${at}/type`, `${accessory.type} is not allowed as a section accessory`);
  }
  return checkElement(accessory, at);
}

function checkActionsBlock(block: Json, at: string): Check {
  return checkItems(block.elements, `${at}/elements`, LIMITS.actionsElements, checkElement);
}

function checkContextBlock(block: Json, at: string): Check {
  return checkItems(block.elements, `${at}/elements`, LIMITS.contextElements, (element, pointer) =>
    isRecord(element) && element.type === 'image' ? null : checkText(element, pointer, { max: LIMITS.sectionText }),
  );
}

function checkInputBlock(block: Json, at: string): Check {
  return (
    checkText(block.label, `${at}/label`, { max: LIMITS.inputLabel, plainOnly: true }) ??
    checkOptionalText(block.hint, `${at}/hint`, { max: LIMITS.inputHint, plainOnly: true }) ??
    checkElement(block.element, `${at}/element`)
  );
}

function checkImageBlock(block: Json, at: string): Check {
  if (block.image_url === undefined && block.slack_file === undefined) return problem(at, 'must provide image_url or slack_file');
  return (
    checkString(block.alt_text, `${at}/alt_text`, LIMITS.imageAltText) ??
    checkOptionalString(block.image_url, `${at}/image_url`, LIMITS.url)
  );
}

function checkElement(element: unknown, at: string): Check {
  if (!isRecord(element)) return problem(at, 'must provide an object');
  if (typeof element.type !== 'string') return problem(`${at}/type`, 'must provide a string');
  return (
    checkOptionalString(element.action_id, `${at}/action_id`, LIMITS.actionId) ??
    (element.confirm === undefined ? null : checkConfirm(element.confirm, `${at}/confirm`)) ??
    (element.type === 'button' ? checkButton(element, at) : null) ??
    (element.type === 'plain_text_input' ? checkTextInput(element, at) : null) ??
    (STATIC_SELECTS.has(element.type) ? checkOptionSource(element, at) : null) ??
    (element.type === 'external_select' ? checkExternalSelect(element, at) : null) ??
    (element.type === 'datetimepicker' ? checkDatetimePicker(element, at) : null)
  );
}

/**
 * A datetimepicker (https://docs.slack.dev/reference/block-kit/block-elements/datetime-picker-element) has no
 * placeholder, and its `initial_date_time` is a UNIX timestamp in seconds, ten digits.
 */
function checkDatetimePicker(element: Json, at: string): Check {
  if (element.placeholder !== undefined) return problem(`${at}/placeholder`, 'unsupported field: datetimepicker has no placeholder');
  const initial = element.initial_date_time;
  if (initial === undefined) return null;
  return typeof initial === 'number' && Number.isInteger(initial) && initial >= 1e9 && initial < 1e10
    ? null
    : problem(`${at}/initial_date_time`, 'must be a UNIX timestamp in seconds (10 digits)');
}

/** Elements Slack takes in actions and input blocks only, never as a section's accessory. */
const NOT_AN_ACCESSORY = new Set(['datetimepicker']);

const STATIC_SELECTS = new Set(['static_select', 'multi_static_select']);

/** Options of a static select or of an options answer: `options` or `option_groups`, one of them, at most 100. */
function checkOptionSource(source: Json, at: string): Check {
  if (source.options !== undefined && source.option_groups !== undefined)
    return problem(at, 'must provide options or option_groups, not both');
  if (source.option_groups !== undefined) {
    return checkItems(source.option_groups, `${at}/option_groups`, LIMITS.optionGroups, (group, pointer) =>
      isRecord(group)
        ? (checkText(group.label, `${pointer}/label`, { max: LIMITS.optionGroupLabel, plainOnly: true }) ??
          checkItems(group.options, `${pointer}/options`, LIMITS.selectOptions, checkOption))
        : problem(pointer, 'must provide an object'),
    );
  }
  if (source.options !== undefined) return checkItems(source.options, `${at}/options`, LIMITS.selectOptions, checkOption);
  return problem(at, 'must provide options or option_groups');
}

/** An external select gets its options from the app (block_suggestion), so it lists none itself. */
function checkExternalSelect(element: Json, at: string): Check {
  if (element.options !== undefined || element.option_groups !== undefined) return problem(at, 'must not provide options');
  return element.initial_option === undefined ? null : checkOption(element.initial_option, `${at}/initial_option`);
}

function checkOption(option: unknown, at: string): Check {
  if (!isRecord(option)) return problem(at, 'must provide an object');
  return (
    checkText(option.text, `${at}/text`, { max: LIMITS.optionText }) ??
    checkString(option.value, `${at}/value`, LIMITS.optionValue) ??
    checkOptionalText(option.description, `${at}/description`, { max: LIMITS.optionDescription, plainOnly: true })
  );
}

/**
 * A confirmation dialog on an interactive element: title, confirm and deny plain_text, the text plain_text or
 * mrkdwn (as @slack/types has it), each within Slack's limit.
 * https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
 */
function checkConfirm(confirm: unknown, at: string): Check {
  if (!isRecord(confirm)) return problem(at, 'must provide an object');
  return (
    checkText(confirm.title, `${at}/title`, { max: LIMITS.confirmTitle, plainOnly: true }) ??
    checkText(confirm.text, `${at}/text`, { max: LIMITS.confirmText }) ??
    checkText(confirm.confirm, `${at}/confirm`, { max: LIMITS.confirmButtonText, plainOnly: true }) ??
    checkText(confirm.deny, `${at}/deny`, { max: LIMITS.confirmButtonText, plainOnly: true }) ??
    checkStyle(confirm.style, `${at}/style`)
  );
}

/** A button's or a confirm button's colour: `primary` or `danger`, or none. */
function checkStyle(style: unknown, at: string): Check {
  return style === undefined || style === 'primary' || style === 'danger' ? null : problem(at, 'must be one of primary, danger');
}

function checkButton(button: Json, at: string): Check {
  return (
    checkText(button.text, `${at}/text`, { max: LIMITS.buttonText, plainOnly: true }) ??
    checkStyle(button.style, `${at}/style`) ??
    checkOptionalString(button.value, `${at}/value`, LIMITS.buttonValue) ??
    checkOptionalString(button.url, `${at}/url`, LIMITS.url)
  );
}

/** A text input: its placeholder, its prefilled value, and lengths of at most 3000 (max_length at least 1). */
function checkTextInput(input: Json, at: string): Check {
  const length = (value: unknown, pointer: string, min: number): Check =>
    value === undefined || (Number.isInteger(value) && (value as number) >= min && (value as number) <= LIMITS.textInputLength)
      ? null
      : problem(pointer, `must be an integer from ${min} to ${LIMITS.textInputLength}`);
  return (
    checkOptionalText(input.placeholder, `${at}/placeholder`, { max: LIMITS.textInputPlaceholder, plainOnly: true }) ??
    checkOptionalString(input.initial_value, `${at}/initial_value`, LIMITS.textInputLength) ??
    length(input.min_length, `${at}/min_length`, 0) ??
    length(input.max_length, `${at}/max_length`, 1)
  );
}

function checkItems(items: unknown, at: string, max: number, checkItem: (item: unknown, at: string) => Check): Check {
  if (!Array.isArray(items)) return problem(at, 'must be an array');
  if (items.length === 0) return problem(at, 'must provide at least 1 item');
  if (items.length > max) return problem(at, `no more than ${max} items allowed`);
  return eachOf(items, (item, i) => checkItem(item, `${at}/${i}`));
}

interface TextRules {
  max: number;
  plainOnly?: boolean;
}

function checkText(text: unknown, at: string, rules: TextRules): Check {
  if (!isRecord(text)) return problem(at, 'must provide an object');
  const allowed = rules.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof text.type !== 'string' || !allowed.includes(text.type)) {
    return problem(`${at}/type`, `must be one of ${allowed.join(', ')}`);
  }
  return checkString(text.text, `${at}/text`, rules.max);
}

function checkOptionalText(text: unknown, at: string, rules: TextRules): Check {
  return text === undefined ? null : checkText(text, at, rules);
}

/** Slack's messages are off by one ("less than 3001") because its schema uses exclusive bounds. */
function checkString(value: unknown, at: string, max: number): Check {
  if (typeof value !== 'string') return problem(at, 'must provide a string');
  if (value.length === 0) return problem(at, 'must be more than 0 characters');
  return checkOptionalString(value, at, max);
}

/** For ids, values and metadata, where Slack accepts an empty string. */
function checkOptionalString(value: unknown, at: string, max: number): Check {
  if (value === undefined) return null;
  if (typeof value !== 'string') return problem(at, 'must provide a string');
  return value.length > max ? problem(at, `must be less than ${max + 1} characters`) : null;
}

function eachOf<T>(items: readonly T[], check: (item: T, index: number) => Check): Check {
  for (const [index, item] of items.entries()) {
    const found = check(item, index);
    if (found) return found;
  }
  return null;
}

function problem(pointer: string, reason: string): Problem {
  return { pointer, reason };
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
