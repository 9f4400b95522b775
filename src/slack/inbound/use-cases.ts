import type { AccessLevel, Resource } from '../../domain/catalog';
import type { ExtensionInput, RequestInput } from '../../domain/policy';
import type { AccessRequestRecord, DecisionResult } from '../../domain/request';

/** What the Slack surfaces may ask of the application; wired in the composition root. */
export interface SlackUseCases {
  submitRequest(requesterId: string, input: RequestInput): Promise<AccessRequestRecord>;
  submitExtension(requesterId: string, input: ExtensionInput): Promise<AccessRequestRecord>;
  /** The user's own live grant and its catalog entry, to fill in the Extend modal; refused as an extension would be. */
  extensionForm(requestId: number, userId: string): Promise<{ request: AccessRequestRecord; resource: Resource; level: AccessLevel }>;
  listRequests(requesterId: string): Promise<AccessRequestRecord[]>;
  requestEarlyRevoke(requestId: number, userId: string): Promise<AccessRequestRecord>;
  approveRequest(requestId: number, approverId: string): Promise<DecisionResult>;
  denyRequest(requestId: number, userId: string, comment: string | null): Promise<DecisionResult>;
  submitBreakGlass(requesterId: string, input: RequestInput): Promise<AccessRequestRecord>;
  reviewBreakGlass(requestId: number, reviewerId: string, comment: string): Promise<AccessRequestRecord>;
  /** The person's App Home published as the database has it now. */
  publishHome(userId: string): Promise<void>;
}
