import type { Harness, HarnessOptions } from './harness';
import { APPROVER_GROUP, CHANNELS } from './workspace';

/**
 * The catalog a harness runs with: the orders database of its target, a read-only level (one approval, by
 * maria or the approver group) and a write level (two approvals, maria and mo), then the test's own resources.
 */
export function harnessCatalog(h: Harness, options: HarnessOptions): Record<string, unknown> {
  const { users } = h;
  const { roles } = h.target;
  return {
    auditChannel: CHANNELS.audit,
    pendingTimeout: options.pendingTimeout ?? '1h',
    ...(options.workingHours && { workingHours: options.workingHours }),
    identity: { map: { [users.dev]: roles.login }, fromEmail: 'local-part', emailDomains: ['example.com'] },
    resources: [
      {
        id: h.resourceId,
        name: 'Orders database',
        ownersChannel: CHANNELS.owners,
        provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: h.adminEnvName },
        levels: [
          {
            id: 'read-only',
            target: { role: roles.read },
            maxDuration: '1h',
            defaultDuration: '10m',
            approvals: 1,
            approvers: { users: [users.manager1], groups: [APPROVER_GROUP] },
            ...options.levels?.['read-only'],
          },
          {
            id: 'write',
            target: { role: roles.write },
            maxDuration: '30m',
            approvals: 2,
            approvers: { users: [users.manager1, users.manager2] },
            ...options.levels?.write,
          },
        ],
      },
      ...(options.resources?.(h) ?? []),
    ],
  };
}
