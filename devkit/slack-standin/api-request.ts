import type { IncomingHttpHeaders } from 'node:http';

/** Arguments that Slack takes as JSON even inside a form body (@slack/web-api sends them that way). */
const JSON_VALUED_ARGS = ['blocks', 'attachments', 'view', 'metadata'];

export interface ApiRequest {
  args: Record<string, unknown>;
  token?: string;
}

/** A request Slack could not read, with the error code it answers. */
export type ParsedApiRequest = ApiRequest | { error: string };

/**
 * Reads a Web API call the way Slack does: arguments from the query string plus a form or JSON body;
 * the token from `Authorization: Bearer` or, for query and form bodies only, a `token` argument
 * (Slack ignores a token inside a JSON body).
 * Returns Slack's error code when the body cannot be read.
 */
export function parseApiRequest(headers: IncomingHttpHeaders, query: URLSearchParams, body: string): ParsedApiRequest {
  const fromBody = parseBody(headers['content-type'], body);
  if ('error' in fromBody) return fromBody;
  const { token: queryOrFormToken, ...args } = { ...Object.fromEntries(query), ...fromBody.args };
  const token = bearerToken(headers.authorization) ?? (fromBody.tokenAllowed ? stringOrUndefined(queryOrFormToken) : undefined);
  return { args: decodeJsonArgs(args), ...(token !== undefined && { token }) };
}

function parseBody(
  contentType: string | undefined,
  body: string,
): { args: Record<string, unknown>; tokenAllowed: boolean } | { error: string } {
  if (body === '') return { args: {}, tokenAllowed: true };
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined) return { error: 'missing_post_type' };
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { args: Object.fromEntries(new URLSearchParams(body)), tokenAllowed: true };
  }
  if (mediaType === 'application/json') {
    const parsed = parseJson(body);
    return isRecord(parsed) ? { args: parsed, tokenAllowed: false } : { error: 'invalid_json' };
  }
  return { error: 'invalid_post_type' };
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** A JSON-valued argument that is not valid JSON stays a string, so validation reports it like Slack. */
function decodeJsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  const decoded = { ...args };
  for (const name of JSON_VALUED_ARGS) {
    const value = decoded[name];
    if (typeof value === 'string') decoded[name] = parseJson(value) ?? value;
  }
  return decoded;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
