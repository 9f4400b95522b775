import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PermanentError, ProviderError } from '../domain/errors';
import { envName, instructionsAnswer, instructionsFrom, parseJson, readEnv } from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec } from './types';

/**
 * Grants through a team's own HTTP endpoint. Every call is a signed JSON POST; docs/webhook-provider.md
 * documents the payload and the answers, with a receiver in examples/webhook-receiver.js.
 */

export const TIMESTAMP_HEADER = 'x-prod-access-timestamp';
export const SIGNATURE_HEADER = 'x-prod-access-signature';
const RETRY_BASE_MS = 250;

/** `v1=` and the hex HMAC-SHA256 of `v1:<timestamp>:<body>`, in the manner of Slack's `v0` signatures. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** Names that reach only this machine: an http:// receiver there is read by nobody on the way. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const settingsSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Allows an http:// URL, and only a loopback one (a receiver beside prod-access): the body is sent in clear. */
    allowInsecure: z.boolean().default(false),
    /** Name of the environment variable that holds the shared signing secret. */
    secretEnv: envName,
    timeoutSeconds: z.number().int().min(1).max(60).default(10),
    /** Tries after the first, on a network error, a timeout, 408, 429 or 5xx; waits 250 ms, 500 ms, 1 s… between. */
    retries: z.number().int().min(0).max(8).default(3),
  })
  .superRefine((settings, ctx) => {
    const url = new URL(settings.url);
    if (url.protocol === 'https:' || (settings.allowInsecure && isLoopback(url.hostname))) return;
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: settings.allowInsecure
        ? 'allowInsecure allows http:// only to this machine (localhost, 127.x.x.x, [::1]); use https://'
        : 'must be https:// (http:// only with allowInsecure: true, to a loopback address)',
    });
  });
type Settings = z.infer<typeof settingsSchema>;

/** Sent to the receiver as it is: whatever the team's endpoint needs to know what to grant. */
const targetSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a simple key'),
  z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.string().max(500)).max(50)]),
);
type Target = z.infer<typeof targetSchema>;

export type WebhookAction = 'grant' | 'revoke' | 'check' | 'ping';

const checkAnswer = z.object({ active: z.boolean() });
const errorAnswer = z.object({ error: z.string() });

export const webhookProvider = defineProviderKind({
  kind: 'webhook',
  settingsSchema,
  targetSchema,
  // Sent in JSON, never interpreted here: anything a person's name in most systems looks like, emails included.
  identityPattern: '^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$',
  requiredEnv: (settings) => [settings.secretEnv],
  validateConfig: async (settings, env) => {
    await new WebhookClient(settings, env).call({ version: 1, action: 'ping' });
  },
  create: (settings, env) => new WebhookProvider(new WebhookClient(settings, env)),
});

class WebhookProvider implements AccessProvider<Target> {
  constructor(private readonly client: WebhookClient) {}

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const answer = instructionsAnswer.safeParse((await this.client.call(payload('grant', spec))) ?? {});
    if (!answer.success) throw this.client.badAnswer('grant');
    return instructionsFrom(answer.data, spec.identity, spec.expiresAt);
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    await this.client.call(payload('revoke', spec));
  }

  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const answer = checkAnswer.safeParse(await this.client.call(payload('check', spec)));
    if (!answer.success) throw this.client.badAnswer('check');
    return answer.data.active;
  }

  /** The call a grant makes, as the receiver sees it; the URL without its query string, which could hold a token. */
  async describeLevel(target: Target): Promise<string> {
    return `A signed POST to ${this.client.where}: "grant" with the target ${JSON.stringify(target)}.`;
  }
}

function payload(action: WebhookAction, spec: GrantSpec<Target>) {
  return {
    version: 1,
    action,
    requestId: spec.requestId,
    resource: spec.resourceId,
    level: spec.levelId,
    identity: spec.identity,
    target: spec.target,
    expiresAt: spec.expiresAt.toISOString(),
  };
}

class WebhookClient {
  /** The endpoint as people may see it: no query string, which could hold a token. */
  readonly where: string;

  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    const url = new URL(settings.url);
    this.where = `${url.origin}${url.pathname}`;
  }

  /** POSTs the signed body, retrying transient failures with backoff; returns the parsed JSON answer (or null). */
  async call(body: { action: WebhookAction } & Record<string, unknown>): Promise<unknown> {
    const secret = readEnv(this.env, this.settings.secretEnv);
    let failure = '';
    for (let attempt = 0; attempt <= this.settings.retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
      // Every attempt is a delivery of its own, under the signature: a receiver that refuses to see one twice
      // refuses a captured request replayed later, while a retry (a new delivery) reaches the idempotent handler.
      const result = await this.post(secret, JSON.stringify({ ...body, deliveryId: randomUUID() }));
      if ('answer' in result) return result.answer;
      if (result.permanent) {
        throw new PermanentError('TARGET_REJECTED', `The webhook ${this.where} refused the ${body.action}: ${result.reason}`);
      }
      failure = result.reason;
    }
    throw new ProviderError(
      'PROVIDER_ERROR',
      `The webhook ${this.where} failed the ${body.action} ${this.settings.retries + 1} times: ${failure}`,
    );
  }

  badAnswer(action: WebhookAction): ProviderError {
    return new ProviderError('PROVIDER_ERROR', `The webhook ${this.where} gave an answer to ${action} that does not follow the schema.`);
  }

  private async post(secret: string, text: string): Promise<{ answer: unknown } | { permanent: boolean; reason: string }> {
    // Signed per attempt, so a retry after a long backoff still has a fresh timestamp.
    const timestamp = Math.floor(Date.now() / 1000);
    let response: Response;
    try {
      response = await fetch(this.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, text),
        },
        body: text,
        // A signed body goes only where the catalog says.
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutSeconds * 1000),
      });
    } catch (e) {
      const { cause } = e as { cause?: { code?: string; message?: string } };
      return { permanent: false, reason: cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : 'network error') };
    }
    const answerText = await response.text();
    const answer = parseJson(answerText);
    if (response.ok) return { answer };
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    const said = errorAnswer.safeParse(answer);
    return { permanent: !transient, reason: `HTTP ${response.status}${said.success ? ` (${said.data.error.slice(0, 200)})` : ''}` };
  }
}
