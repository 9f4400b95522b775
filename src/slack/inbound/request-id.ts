/** A request id as people type it: `42` or `#42`. */
export function parseRequestId(text: string | undefined): number | undefined {
  const match = /^#?(\d{1,9})$/.exec(text?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}
