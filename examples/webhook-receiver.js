'use strict';
// An example receiver for prod-access's webhook provider (docs/webhook-provider.md): it checks the
// signature, then hands grant, revoke and check to your code. Run it as it is for an in-memory demo:
//
//   WEBHOOK_SECRET=… PORT=8080 node examples/webhook-receiver.js
const { createHmac, timingSafeEqual } = require('node:crypto');
const http = require('node:http');

/** Requests signed longer ago than this are refused, so a captured request cannot be replayed later. */
const TOLERANCE_SECONDS = 300;

/** `X-Prod-Access-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">`, compared in constant time. */
function verifySignature(secret, timestamp, signature, body, now = Date.now()) {
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now / 1000 - seconds) > TOLERANCE_SECONDS || typeof signature !== 'string') return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`v1:${seconds}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A refusal your handlers throw: the status and the message go back to prod-access (4xx: for good, 5xx: retried). */
class Refusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * The deliveries seen while their signatures are fresh; after that the timestamp check refuses them anyway.
 * In memory, a restart forgets them: with several instances or restarts, keep them in a shared store
 * (e.g. Redis `SET <id> 1 NX PX <ms>`) behind the same `firstTime(id, untilMs)`.
 */
function memoryDeliveries() {
  const seen = new Map();
  return {
    firstTime(deliveryId, untilMs, now = Date.now()) {
      for (const [id, until] of seen) if (until < now) seen.delete(id);
      if (seen.has(deliveryId)) return false;
      seen.set(deliveryId, untilMs);
      return true;
    },
  };
}

/**
 * handlers.grant(payload) → { lines?, oneTimeSecret? } or nothing; handlers.revoke(payload);
 * handlers.check(payload) → boolean. All must be idempotent: prod-access retries, each try a new delivery.
 * A delivery seen before is refused: it is a captured request replayed (a grant after its revoke, say).
 */
function createReceiver({ secret, handlers, deliveries = memoryDeliveries() }) {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status, answer) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (req.method !== 'POST') return reply(405, { error: 'POST only' });
      const timestamp = req.headers['x-prod-access-timestamp'];
      if (!verifySignature(secret, timestamp, req.headers['x-prod-access-signature'], body)) {
        return reply(401, { error: 'bad or stale signature' });
      }
      const payload = JSON.parse(body);
      if (typeof payload.deliveryId !== 'string' || !payload.deliveryId) return reply(400, { error: 'no deliveryId' });
      // Checked and recorded in one synchronous step, so two copies arriving together cannot both pass.
      if (!deliveries.firstTime(payload.deliveryId, (Number(timestamp) + TOLERANCE_SECONDS) * 1000)) {
        return reply(409, { error: 'delivery already received' });
      }
      handle(handlers, payload).then(
        (answer) => reply(200, answer),
        (e) => reply(e instanceof Refusal ? e.status : 500, { error: e instanceof Refusal ? e.message : 'internal error' }),
      );
    });
  });
}

async function handle(handlers, payload) {
  switch (payload.action) {
    case 'ping':
      return {};
    case 'grant':
      return (await handlers.grant(payload)) || {};
    case 'revoke':
      await handlers.revoke(payload);
      return {};
    case 'check':
      return { active: Boolean(await handlers.check(payload)) };
    default:
      throw new Refusal(400, `unknown action ${payload.action}`);
  }
}

/** The demo: grants kept in memory, by request id. */
function memoryHandlers(grants = new Map()) {
  return {
    grants,
    grant: (p) => void grants.set(p.requestId, { identity: p.identity, target: p.target, expiresAt: p.expiresAt }),
    revoke: (p) => void grants.delete(p.requestId),
    check: (p) => grants.get(p.requestId)?.identity === p.identity,
  };
}

if (require.main === module) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) throw new Error('set WEBHOOK_SECRET');
  createReceiver({ secret, handlers: memoryHandlers() }).listen(Number(process.env.PORT || 8080));
}

module.exports = { createReceiver, verifySignature, memoryHandlers, memoryDeliveries, Refusal };
