import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Remembers the signatures of requests already received, for as long as a timestamp stays valid. */
export interface SeenSignatures {
  /** True the first time a signature is offered; false for a replay. */
  firstSeen(signature: string): Promise<boolean>;
}

/** Slack's v0 signature; anything else Bolt refuses, so only these are worth remembering. */
const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;

/** Slack's window: a request older or newer than this is not accepted. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * In front of Bolt's own verification (signature, and timestamps too old): refuses timestamps from the
 * future, which Bolt lets through, and any request whose signature was already seen, so a captured
 * request cannot be sent again within its five minutes.
 */
export function guardSlackRequests(listener: RequestListener, seen: SeenSignatures, path = '/slack/events'): RequestListener {
  return (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith(path)) return listener(req, res);
    void check(req).then(
      (refusal) => (refusal ? refuse(res, refusal) : listener(req, res)),
      () => refuse(res, 'could not check the request'),
    );
  };

  async function check(req: IncomingMessage): Promise<string | undefined> {
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    if (Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return 'timestamp is in the future';
    const signature = header(req, 'x-slack-signature');
    // Stored before Bolt checks it, so a malformed header must not reach Redis: forged requests would fill it.
    if (signature && SIGNATURE_FORMAT.test(signature) && !(await seen.firstSeen(signature))) return 'request was already received';
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refuse(res: ServerResponse, reason: string): void {
  res.writeHead(401, { 'content-type': 'text/plain' });
  res.end(`Refused: ${reason}`);
}
