import type { WebClient } from '@slack/web-api';
import type { AccessLevel, Catalog, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord } from '../../../../src/domain/request';
import { createLogger } from '../../../../src/shared/logger';
import type { SlackUseCases } from '../../../../src/slack/inbound/use-cases';

/** The Web API origin the fake client is configured with; response URLs on it are accepted. */
export const API_URL = 'http://127.0.0.1:4100/api/';
/** The user Slack signed the request for. */
export const SIGNED_USER = 'U0SIGNED';

/** What chat.getPermalink answers for any message. */
export const PERMALINK = 'https://acme.slack.com/archives/C0INCIDENT/p1700000000000100';

export const logger = createLogger({ level: 'silent', pretty: false });

const level = { id: 'read-only', maxDurationSeconds: 3600, defaultDurationSeconds: 1800 } as AccessLevel;
export const resource = { id: 'orders-db', name: 'Orders database', levels: [level] } as Resource;
export const catalog = { auditChannel: 'C0AUDIT', pendingTimeoutSeconds: 3600, resources: [resource] } as Catalog;

export const storedRequest = (changes: Partial<AccessRequestRecord> = {}) =>
  ({ id: 7, status: 'PENDING', ...changes }) as AccessRequestRecord;

/**
 * What a listener was handed by Bolt, as fakes that write one shared log in call order: `ack`, each
 * use-case by name, each Slack call by method. A listener that acks late shows it in the log.
 */
export function listenerWorld() {
  const log: string[] = [];
  const record =
    <A extends unknown[], R>(name: string, result: (...args: A) => R) =>
    (...args: A): R => {
      log.push(name);
      return result(...args);
    };
  const ack = jest.fn(record('ack', async (_response?: unknown) => undefined));
  const respond = jest.fn(record('respond', async (_message: unknown) => ({}) as Response));
  const client = {
    slackApiUrl: API_URL,
    views: {
      open: jest.fn(record('views.open', async (_args: unknown) => ({ ok: true, view: { id: 'V0MODAL', hash: 'hash-1' } }))),
      update: jest.fn(record('views.update', async (_args: unknown) => ({ ok: true }))),
    },
    conversations: { open: jest.fn(record('conversations.open', async (_args: unknown) => ({ channel: { id: 'D0SIGNED' } }))) },
    chat: {
      postMessage: jest.fn(record('chat.postMessage', async (_args: unknown) => ({ channel: 'D0SIGNED', ts: '1.1' }))),
      getPermalink: jest.fn(record('chat.getPermalink', async (_args: unknown) => ({ ok: true, permalink: PERMALINK }))),
    },
  };
  const useCases = {
    submitRequest: jest.fn(record('submitRequest', async (..._args: unknown[]) => storedRequest())),
    submitExtension: jest.fn(record('submitExtension', async (..._args: unknown[]) => storedRequest({ id: 8 }))),
    extensionForm: jest.fn(
      record('extensionForm', async (..._args: unknown[]) => ({
        request: storedRequest({ status: 'ACTIVE', expiresAt: new Date('2030-01-01T10:00:00Z') }),
        resource,
        level,
      })),
    ),
    listRequests: jest.fn(record('listRequests', async (..._args: unknown[]) => [storedRequest()])),
    requestEarlyRevoke: jest.fn(record('requestEarlyRevoke', async (..._args: unknown[]) => storedRequest({ status: 'ACTIVE' }))),
    approveRequest: jest.fn(record('approveRequest', async (..._args: unknown[]) => ({ kind: 'approved' as const }))),
    denyRequest: jest.fn(record('denyRequest', async (..._args: unknown[]) => ({ kind: 'denied' as const }))),
    submitBreakGlass: jest.fn(
      record('submitBreakGlass', async (..._args: unknown[]) => storedRequest({ id: 9, status: 'APPROVED', breakGlass: true })),
    ),
    reviewBreakGlass: jest.fn(record('reviewBreakGlass', async (..._args: unknown[]) => storedRequest({ id: 9, breakGlass: true }))),
    publishHome: jest.fn(record('publishHome', async (..._args: unknown[]) => undefined)),
  } satisfies SlackUseCases;
  return { log, ack, respond, client, webClient: client as unknown as WebClient, useCases, deps: { catalog, useCases, logger } };
}
