import type { CatalogFile } from '../../src/main/catalog/schema';
import { DEMO_CHANNELS, DEMO_USERS, type DemoPerson, ONCALL_GROUP } from './demo-workspace';
import type { DemoTarget } from './demo-target';

/** The environment variable the demo catalog's provider reads its admin connection from. */
export const DEMO_TARGET_ENV = 'SANDBOX_ORDERS_DB_URL';

/**
 * The catalog the sandbox runs with: the example catalog's shape, with the demo's people, short
 * default durations so an expiry (and the warning before it, a fifth of a short grant before its end)
 * is seen, and the roles of the demo database.
 */
export function demoCatalog(target: DemoTarget, people: DemoPerson[]): CatalogFile {
  const managers = [...DEMO_USERS.managers];
  // Every person has a login role, so anyone can ask, and no one can approve their own request.
  return {
    auditChannel: DEMO_CHANNELS.audit.id,
    pendingTimeout: '15m',
    identity: { map: Object.fromEntries(people.map((person) => [person.id, person.login])), fromEmail: 'none' },
    resources: [
      {
        id: 'orders-db',
        name: 'Orders database',
        description: `The sandbox's orders table, in the local PostgreSQL database ${target.database}.`,
        ownersChannel: DEMO_CHANNELS.owners.id,
        provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: DEMO_TARGET_ENV },
        // Short, so the sandbox shows them: a reminder in the request's thread, then @oncall told in the owners' channel.
        reminders: { remindAfter: '2m', escalateAfter: '5m', escalateTo: { group: ONCALL_GROUP.id } },
        levels: [
          {
            id: 'read-only',
            description: 'SELECT on the orders table.',
            target: { role: target.roles.read },
            maxDuration: '1h',
            defaultDuration: '2m',
            approvals: 1,
            approvers: { users: managers, groups: [ONCALL_GROUP.id] },
          },
          {
            id: 'write',
            description: 'INSERT, UPDATE and DELETE on the orders table.',
            target: { role: target.roles.write },
            maxDuration: '30m',
            defaultDuration: '2m',
            approvals: 2,
            approvers: { users: managers, groups: [ONCALL_GROUP.id] },
            // `/prod-access break-glass orders-db write 5m <reason>`: at once, loud, reviewed afterwards.
            breakGlass: { maxDuration: '15m', reviewers: { users: managers, groups: [ONCALL_GROUP.id] }, reviewWithin: '10m' },
          },
        ],
      },
    ],
  };
}
