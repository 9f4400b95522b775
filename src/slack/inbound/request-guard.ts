import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import { answer, type RouteHandler } from '../../shared/http';
import type { Logger } from '../../shared/logger';
import { withTimeout } from '../../shared/timeout';

/** Remembers the signatures of requests already received, for as long as a timestamp stays valid. */
export interface SeenSignatures {
  /** True the first time a signature is offered, false for a replay, undefined when it cannot tell now. */
  firstSeen(signature: string, ttlSeconds: number): Promise<boolean | undefined>;
}

/** Slack's window: a request older or newer than this is not accepted. */
const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * The largest body accepted. Slack documents no request size, only Block Kit limits; the largest
 * request our own surfaces can cause is a view submission of the request modal at its caps (100
 * resources and 100 levels in its pickers, every text field at its max_length in 3-byte characters),
 * about 113 KB form-encoded. Twice that, and a sixteenth of Bolt's default of 4 MB.
 */
export const MAX_BODY_BYTES = 256 * 1024;

const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP_FORMAT = /^[0-9]{1,12}$/;

interface GuardOptions {
  signingSecret: string;
  seen: SeenSignatures;
  logger: Logger;
}

/**
 * Slack's authenticity check, done once and before anything is remembered: the body (at most
 * MAX_BODY_BYTES) must carry a v0 HMAC of the signing secret over its timestamp and bytes, the
 * timestamp must lie within MAX_CLOCK_SKEW_SECONDS of now in either direction, and only then is the
 * signature recorded, so a forged request leaves nothing behind and a captured one is refused the
 * second time. The buffered body is handed on as `rawBody`, which Bolt takes instead of reading the
 * request again (its own verification is off: this is it). The HTTP server routes only POSTs whose
 * target is exactly the events path here, the pathname Bolt routes on.
 */
export function guardSlackRequests(listener: RequestListener, options: GuardOptions): RouteHandler {
  // The promise goes to the HTTP server, which answers 500 if it rejects.
  return guard;

  async function guard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, res);
    if (!body) return;
    // Slack's certificate check carries no signature and asks nothing of the app; Bolt answers it the same way.
    if (isSslCheck(req, body)) return answer(res, 200, 'ok');
    const signature = header(req, 'x-slack-signature');
    const timestampText = header(req, 'x-slack-request-timestamp');
    if (!signature || !SIGNATURE_FORMAT.test(signature) || !timestampText || !TIMESTAMP_FORMAT.test(timestampText)) {
      return refuse(res, 'missing or malformed signature headers');
    }
    if (!signatureMatches(options.signingSecret, signature, timestampText, body)) return refuse(res, 'bad signature');
    const timestamp = Number(timestampText);
    const skew = timestamp - Date.now() / 1000;
    if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) return refuse(res, skew > 0 ? 'timestamp is in the future' : 'timestamp is too old');
    // Bolt reads fields of whatever the body parses to, outside its own try: a body that is not an object would throw there.
    if (!parsesToObject(req, body)) return answer(res, 400, 'Malformed body');
    // A signature is valid until its timestamp leaves the window; remember it that long.
    const ttlSeconds = Math.max(1, Math.ceil(timestamp + MAX_CLOCK_SKEW_SECONDS - Date.now() / 1000));
    const first = await options.seen.firstSeen(signature, ttlSeconds);
    if (first === undefined) return answer(res, 503, 'Cannot check for replays now; retry later');
    if (!first) return refuse(res, 'request was already received');
    Object.assign(req, { rawBody: body });
    listener(req, res);
  }
}

function signatureMatches(secret: string, signature: string, timestamp: string, body: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest();
  return timingSafeEqual(Buffer.from(signature.slice('v0='.length), 'hex'), expected);
}

/** The body, or undefined once the request has been answered (too large) or has broken off. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const tooLarge = () => answer(res, 413, `Body larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    tooLarge();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        tooLarge();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    // The client went away mid-body; there is no one to answer.
    res.destroy();
    return undefined;
  }
  return Buffer.concat(chunks);
}

function isSslCheck(req: IncomingMessage, body: Buffer): boolean {
  return isForm(req) && parseForm(body.toString('utf8')).ssl_check === '1';
}

/** What Bolt's body parser makes of the body is a JSON object (or a form, whose `payload` is one). */
function parsesToObject(req: IncomingMessage, body: Buffer): boolean {
  const text = body.toString('utf8');
  try {
    if (!isForm(req)) return isObject(JSON.parse(text));
    const { payload } = parseForm(text);
    return typeof payload !== 'string' || isObject(JSON.parse(payload));
  } catch {
    return false;
  }
}

/** Bolt takes a form only under exactly this content type, and parses anything else as JSON. */
function isForm(req: IncomingMessage): boolean {
  return req.headers['content-type'] === 'application/x-www-form-urlencoded';
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

function refuse(res: ServerResponse, reason: string): void {
  answer(res, 401, `Refused: ${reason}`);
}

/** How long Redis may take to answer before the in-memory record decides. */
const SHARED_CHECK_TIMEOUT_MS = 500;
/** Signatures kept in memory: far more than one workspace sends in ten minutes, a few MB at most. */
const MAX_SIGNATURES_IN_MEMORY = 10_000;

/**
 * Signatures seen, in a store every replica shares (Redis: `remember` sets the key if absent and says
 * whether it did), and in a bounded in-memory record of this process.
 *
 * When Redis cannot answer in time, the in-memory record decides rather than failing closed: an
 * approval, a denial or an early revoke must still be taken while Redis is down (PostgreSQL stores it
 * and the reconciler schedules its jobs later), and refusing every Slack request during an outage
 * would stop exactly those. What is given up is a replay sent to another replica during the outage,
 * and only by someone who captured a signed request. Only fail closed (undefined: the request gets
 * 503) when the in-memory record has had to drop a signature that could still be replayed.
 */
export function seenSignatures(
  remember: (signature: string, ttlSeconds: number) => Promise<boolean>,
  logger: Logger,
  { now = Date.now, capacity = MAX_SIGNATURES_IN_MEMORY } = {},
): SeenSignatures {
  /** Signature → when it leaves the window (ms), in insertion order. */
  const recent = new Map<string, number>();
  /** Until then the record is missing a signature it dropped, and cannot vouch alone. */
  let incompleteUntil = 0;

  function rememberLocally(signature: string, ttlSeconds: number): boolean {
    const expiresAt = recent.get(signature);
    if (expiresAt !== undefined && expiresAt > now()) return false;
    recent.delete(signature);
    if (recent.size >= capacity) {
      for (const [seen, until] of recent) if (until <= now()) recent.delete(seen);
    }
    if (recent.size >= capacity) {
      const [oldest, until] = recent.entries().next().value as [string, number];
      recent.delete(oldest);
      incompleteUntil = Math.max(incompleteUntil, until);
    }
    recent.set(signature, now() + ttlSeconds * 1000);
    return true;
  }

  return {
    async firstSeen(signature, ttlSeconds) {
      if (!rememberLocally(signature, ttlSeconds)) return false;
      const shared = await withTimeout(remember(signature, ttlSeconds), SHARED_CHECK_TIMEOUT_MS, undefined);
      if (shared !== undefined) return shared;
      if (incompleteUntil > now()) {
        logger.warn('replay check unavailable (Redis does not answer, and the in-memory record is full): request refused');
        return undefined;
      }
      logger.warn('replay check by Redis unavailable; checked against this process only');
      return true;
    },
  };
}
