import type { Server } from 'node:http';

/** What prod-access POSTs (docs/webhook-provider.md). */
export interface WebhookPayload {
  version: 1;
  action: 'grant' | 'revoke' | 'check' | 'ping';
  requestId: number;
  resource: string;
  level: string;
  identity: string;
  target: Record<string, unknown>;
  expiresAt: string;
  /** Unique to each attempt, covered by the signature: a receiver refuses to see one twice. */
  deliveryId: string;
}

/** Remembers deliveries until `untilMs`; false when `deliveryId` was seen before. */
export interface DeliveryStore {
  firstTime(deliveryId: string, untilMs: number): boolean;
}

export interface ReceiverHandlers {
  grant(payload: WebhookPayload): unknown;
  revoke(payload: WebhookPayload): unknown;
  check(payload: WebhookPayload): unknown;
}

export function verifySignature(secret: string, timestamp: unknown, signature: unknown, body: string, now?: number): boolean;
export function createReceiver(options: { secret: string; handlers: ReceiverHandlers; deliveries?: DeliveryStore }): Server;
export function memoryDeliveries(): DeliveryStore;
export function memoryHandlers(
  grants?: Map<number, unknown>,
): ReceiverHandlers & { grants: Map<number, { identity: string; target: unknown; expiresAt: string }> };
export class Refusal extends Error {
  constructor(status: number, message: string);
  status: number;
}
