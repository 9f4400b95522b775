// Slack's mrkdwn and plain_text, rendered to HTML the way Slack's client shows them (the basics).

/** The emoji prod-access uses, and a few more; others stay as their :code:. */
const EMOJI = {
  warning: '⚠️',
  hourglass_flowing_sand: '⏳',
  gear: '⚙️',
  white_check_mark: '✅',
  no_entry: '⛔',
  zzz: '💤',
  lock: '🔒',
  x: '❌',
  rotating_light: '🚨',
  key: '🔑',
  eyes: '👀',
  tada: '🎉',
};

export function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack escapes these three in message text; everything else is literal. */
function unescapeSlack(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function emoji(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (code, name) => EMOJI[name] ?? code);
}

/** plain_text: no formatting, only emoji codes. */
export function renderPlain(text) {
  return emoji(escapeHtml(text)).replace(/\n/g, '<br>');
}

/**
 * mrkdwn: code spans first (shown as typed), then Slack's <…> sequences (mentions, links, dates),
 * then *bold*, _italic_, ~strike~ and emoji in the rest. `names` resolves user and channel ids.
 */
export function renderMrkdwn(text, names) {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(unescapeSlack(part.slice(1, -1)))}</code>` : renderSequences(part, names)))
    .join('');
}

function renderSequences(text, names) {
  return text
    .split(/(<[^<>\s][^<>]*>)/)
    .map((part, i) => (i % 2 === 1 ? renderSequence(part.slice(1, -1), names) : formatText(part)))
    .join('');
}

function formatText(text) {
  const html = escapeHtml(unescapeSlack(text))
    .replace(/(^|[^\w*])\*([^*\n]+?)\*(?=[^\w*]|$)/g, '$1<b>$2</b>')
    .replace(/(^|[^\w_])_([^_\n]+?)_(?=[^\w_]|$)/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~([^~\n]+?)~(?=[^\w~]|$)/g, '$1<s>$2</s>');
  return emoji(html).replace(/\n/g, '<br>');
}

function renderSequence(inner, names) {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith('@')) return `<span class="mention">@${escapeHtml(names.user(target.slice(1)))}</span>`;
  if (target.startsWith('#')) return `<span class="mention">#${escapeHtml(label ?? names.channel(target.slice(1)))}</span>`;
  if (target.startsWith('!date^')) return renderDate(target, label);
  if (target.startsWith('!subteam^')) return `<span class="mention">@${escapeHtml(label ?? names.group(target.slice(9)))}</span>`;
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label ?? target.slice(1).split('^')[0])}</span>`;
  const url = unescapeSlack(target);
  if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(label ?? url);
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label ?? url)}</a>`;
}

/** `<!date^unix^{tokens}^optional_link|fallback>`, in the reader's own time zone, as Slack does. */
function renderDate(target, fallback) {
  const [, unix, format = '{date_short} {time}'] = target.split('^');
  const date = new Date(Number(unix) * 1000);
  if (Number.isNaN(date.getTime())) return escapeHtml(fallback ?? '');
  const text = format.replace(/\{(\w+)\}/g, (token, name) => dateToken(date, name) ?? token);
  return `<time datetime="${date.toISOString()}" title="${escapeHtml(date.toString())}">${escapeHtml(text)}</time>`;
}

function dateToken(date, name) {
  const pretty = name.endsWith('_pretty') ? relativeDay(date) : undefined;
  switch (name.replace(/_pretty$/, '')) {
    case 'date_num':
      return date.toLocaleDateString('sv-SE');
    case 'date':
      return pretty ?? date.toLocaleDateString(undefined, { month: 'long', day: 'numeric', year: 'numeric' });
    case 'date_short':
      return pretty ?? date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
    case 'date_long':
      return pretty ?? date.toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
    case 'time':
      return date.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
    case 'time_secs':
      return date.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
    default:
      return undefined;
  }
}

function relativeDay(date) {
  const day = (d) => Math.floor((d.getTime() - d.getTimezoneOffset() * 60_000) / 86_400_000);
  const offset = day(date) - day(new Date());
  return { '-1': 'Yesterday', 0: 'Today', 1: 'Tomorrow' }[offset];
}
