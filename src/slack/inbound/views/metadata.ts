import { z } from 'zod';

/**
 * What a modal keeps in its `private_metadata` (Slack echoes it back on submit, at most 3,000 characters).
 * It is read as untrusted input: a forged form must not choose where its outcome is posted, and nothing
 * in it decides who may do what (that comes from the signed user id and the catalog).
 */

/**
 * Slack's response URLs: https://hooks.slack.com/commands/T…/…/… for commands, /actions/… for clicks,
 * /app/… for message shortcuts.
 */
const SLACK_RESPONSE_URL = /^https:\/\/hooks\.slack\.com\/(?:commands|actions|app)\/[A-Z0-9]+\/\d+\/[A-Za-z0-9]+$/;

/**
 * A response_url prod-access may post to: Slack's shape, or one on the origin of the Web API it is
 * configured with (the stand-in of the tests and the sandbox hands out response URLs on its own origin).
 */
export function isResponseUrl(url: string, apiUrl: string): boolean {
  if (SLACK_RESPONSE_URL.test(url)) return true;
  if (!URL.canParse(url) || !URL.canParse(apiUrl)) return false;
  const parsed = new URL(url);
  return parsed.origin === new URL(apiUrl).origin && parsed.username === '' && parsed.password === '';
}

const responseUrl = z.string().max(1000).optional();

/** The request modal: where its outcome goes. */
export const RequestModalMetadata = z.strictObject({ responseUrl });
export type RequestModalMetadata = z.infer<typeof RequestModalMetadata>;

/** The Deny modal: which request, and where the outcome goes (the click's response_url). */
export const DenyModalMetadata = z.strictObject({ requestId: z.number().int().positive(), responseUrl });
export type DenyModalMetadata = z.infer<typeof DenyModalMetadata>;

/** The break-glass review modal: the same, which grant and where the outcome goes. */
export const ReviewModalMetadata = DenyModalMetadata;
export type ReviewModalMetadata = DenyModalMetadata;

/**
 * The Extend modal: which grant, the catalog entry its form is checked against before the ack (so a bad
 * duration is a field error), and where the outcome goes (the click's response_url; none from App Home,
 * then by DM). The extension is made from the stored grant: the entry named here decides nothing.
 */
export const ExtendModalMetadata = z.strictObject({
  requestId: z.number().int().positive(),
  resourceId: z.string().max(64),
  levelId: z.string().max(64),
  responseUrl,
});
export type ExtendModalMetadata = z.infer<typeof ExtendModalMetadata>;

/** The form as prod-access opened it, or undefined when it was not (unreadable, or a response_url of elsewhere). */
export function readMetadata<T extends { responseUrl?: string }>(schema: z.ZodType<T>, raw: string, apiUrl: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return undefined;
  const { responseUrl: url } = parsed.data;
  return url === undefined || isResponseUrl(url, apiUrl) ? parsed.data : undefined;
}

/** Said inside the modal when its metadata is not what prod-access put there. */
export const FORGED_FORM = 'This form was not opened by prod-access, so nothing was done. Close it and start again.';
