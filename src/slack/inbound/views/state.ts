import type { ViewStateValue } from '@slack/bolt';

/** A submitted view's input values: block id → action id → value. */
export type ViewValues = Record<string, Record<string, ViewStateValue>>;

/** An input's value: each input block holds one element, whatever its action id. */
export function fieldValue(values: ViewValues, blockId: string): string {
  const state = Object.values(values[blockId] ?? {})[0];
  return state?.selected_option?.value ?? state?.value ?? '';
}

/** A datetimepicker's value: the instant picked (Slack sends a UNIX timestamp in seconds), if any. */
export function pickedInstant(values: ViewValues, blockId: string): Date | undefined {
  const picked = Object.values(values[blockId] ?? {})[0]?.selected_date_time;
  return typeof picked === 'number' ? new Date(picked * 1000) : undefined;
}
