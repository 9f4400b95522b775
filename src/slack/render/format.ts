import { formatDuration } from '../../domain/durations';
import { escapeMarkup, truncateEscaped } from '../../domain/text';

/** Slack's date formatting: each reader sees their own local time; the fallback is UTC. */
export function slackDate(date: Date, format = '{date_short_pretty} {time}'): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^${format}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

export const mention = (userId: string): string => `<@${userId}>`;

/** A Slack user group, as Slack shows it (and notifies its members). */
export const groupMention = (groupId: string): string => `<!subteam^${groupId}>`;

/** Items joined with commas, as many as fit in `max` characters; the rest (of `total`, which may count items not given) as "and N more". */
export function listWithin(items: readonly string[], max: number, total = items.length): string {
  const line = (shown: readonly string[]) => {
    const rest = total - shown.length;
    if (rest === 0) return shown.join(', ');
    return shown.length === 0 ? `${rest} in all` : `${shown.join(', ')} and ${rest} more`;
  };
  let fitted = line([]);
  for (let count = 1; count <= items.length; count++) {
    const next = line(items.slice(0, count));
    if (next.length > max) break;
    fitted = next;
  }
  return fitted;
}

/** Everyone listed, users and user groups, each mentioned. */
export function peopleMentions(people: { users: string[]; groups: string[] }): string {
  return [...people.groups.map(groupMention), ...people.users.map(mention)].join(' ');
}

/**
 * Text that came from a person is shown as written, never as Slack markup or mentions; at most `max`
 * characters once escaped, which is how Slack counts its limits.
 */
export function plain(text: string, max = Infinity): string {
  return truncateEscaped(escapeMarkup(text), max);
}

/** A link with a label of ours: the URL is never shown as text a requester chose. */
export function link(url: string, label: string): string {
  // `|` ends the URL part of Slack's `<url|label>`; one stored before links were checked stays inert.
  return `<${plain(url).replace(/\|/g, '%7C')}|${label}>`;
}

export { formatDuration };
