import type { ViewStateValue } from '@slack/bolt';

/** A submitted view's input values: block id → action id → value. */
export type ViewValues = Record<string, Record<string, ViewStateValue>>;

/** An input's value: each input block holds one element, whatever its action id. */
export function fieldValue(values: ViewValues, blockId: string): string {
  const state = Object.values(values[blockId] ?? {})[0];
  return state?.selected_option?.value ?? state?.value ?? '';
}
