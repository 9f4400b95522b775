import type { StandinChannel, StandinUser, StandinUsergroup } from '../slack-standin/types';

/** A person of the demo workspace; `login` names their role in the demo database. */
export interface DemoPerson extends StandinUser {
  realName: string;
  title: string;
  login: string;
}

/** The ids follow catalog.example.yaml, so the example and the sandbox read alike. */
const PEOPLE = [
  { id: 'U0DEV00001', name: 'alice', realName: 'Alice Chen', title: 'Developer', login: 'alice' },
  { id: 'U0MANAGER1', name: 'maria', realName: 'Maria Rossi', title: 'Engineering manager', login: 'maria' },
  { id: 'U0MANAGER2', name: 'mo', realName: 'Mo Okafor', title: 'Engineering manager', login: 'mo' },
  { id: 'U0ONCALL01', name: 'omar', realName: 'Omar Haddad', title: 'On-call engineer', login: 'omar' },
] as const;

export interface DemoChannel extends StandinChannel {
  topic: string;
}

export const DEMO_CHANNELS = {
  general: { id: 'C0GENERAL', name: 'general', topic: 'Type /prod-access here to ask for access' },
  owners: { id: 'C0OWNERS001', name: 'orders-owners', topic: 'Owners of the orders database: requests to approve land here' },
  audit: { id: 'C0AUDIT0001', name: 'prod-access-audit', topic: 'Every step of every request, one line each' },
} as const satisfies Record<string, DemoChannel>;

/** The on-call engineers, who may approve either level of the demo database. */
export const ONCALL_GROUP: StandinUsergroup = { id: 'S0ONCALL01', handle: 'oncall', users: ['U0ONCALL01'] };

export const DEMO_USERS = { managers: [PEOPLE[1].id, PEOPLE[2].id] } as const;

/** The demo's people; login roles are prefixed with the sandbox's name, since PostgreSQL roles are server-wide. */
export function demoPeople(rolePrefix: string): DemoPerson[] {
  return PEOPLE.map((person) => ({ ...person, email: `${person.name}@example.com`, login: `${rolePrefix}_${person.login}` }));
}
