import type { Harness } from './harness';

/** What a person asks for with `/prod-access request`: the harness's read-only level for 10 minutes unless told otherwise. */
export interface AccessAsked {
  resource?: string;
  level?: string;
  duration?: string;
  reason?: string;
  /** Who asks: the developer unless told otherwise. */
  requester?: string;
}

export interface AccessGranted extends AccessAsked {
  /** Who clicks Approve, in turn: maria unless told otherwise (a two-approval level needs two). */
  approvers?: string[];
  /** How long the grant may take to become active. */
  timeoutMs?: number;
}

/** The request id an answer names (`Request #12 sent…`); fails when it names none. */
export function requestIdIn(reply: string): number {
  const id = Number(/#(\d+)/.exec(reply)?.[1]);
  if (!id) throw new Error(`no request id in the reply: ${reply}`);
  return id;
}

/** Asks for access and waits for the approval message in the owners' channel; returns the request id. */
export async function requestAccess(h: Harness, asked: AccessAsked = {}): Promise<number> {
  const { resource = h.resourceId, level = 'read-only', duration = '10m', reason = 'testing', requester = h.users.dev } = asked;
  const id = requestIdIn(await h.ask(requester, `request ${resource} ${level} ${duration} ${reason}`));
  await h.waitForApprovalMessage(id, 'Waiting for approval');
  return id;
}

/** Each approver clicks Approve in turn; the last must be told the request is approved. */
export async function approve(h: Harness, requestId: number, approvers = [h.users.manager1]): Promise<void> {
  let answer = '';
  for (const approver of approvers) answer = await h.clickAndReply(approver, requestId);
  if (!answer.includes(`You approved #${requestId}`)) throw new Error(`approving #${requestId} was answered: ${answer}`);
}

/** Request, approve, and wait until the grant is active, as its approval message says; returns the request id. */
export async function grantAccess(h: Harness, granted: AccessGranted = {}): Promise<number> {
  const id = await requestAccess(h, granted);
  await approve(h, id, granted.approvers);
  await h.waitForApprovalMessage(id, 'active until', granted.timeoutMs);
  return id;
}
