import { formatDuration } from '../../domain/durations';

/** Slack's date formatting: each reader sees their own local time; the fallback is UTC. */
export function slackDate(date: Date, format = '{date_short_pretty} {time}'): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^${format}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

export const mention = (userId: string): string => `<@${userId}>`;

/** Text that came from a person is shown as written, never as Slack markup or mentions. */
export function plain(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export { formatDuration };
