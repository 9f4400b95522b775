/**
 * Text from a person as chat receives it: `&`, `<` and `>` sent as entities, so nothing typed becomes a
 * link, a mention or markup. Slack counts its limits on this form, so every length limit on such text is
 * measured here, after escaping.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped text cut to at most `max` characters, never through an entity or a surrogate pair. */
export function truncateEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let end = max - 1;
  const entity = escaped.lastIndexOf('&', end - 1);
  if (entity !== -1 && escaped.indexOf(';', entity) >= end) end = entity;
  if (/[\uD800-\uDBFF]/.test(escaped.charAt(end - 1))) end -= 1;
  return `${escaped.slice(0, end)}…`;
}
