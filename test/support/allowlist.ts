import { readFileSync } from 'node:fs';
import type { GrantSpec } from '../../src/providers/types';

/** Reads the example allowlist file directly: how many entries grant this spec (0 or 1). */
export function allowlistEntries(file: string, grant: Pick<GrantSpec, 'requestId' | 'identity' | 'target'>): number {
  let grants: Record<string, { identity: string; group: string }>;
  try {
    grants = (JSON.parse(readFileSync(file, 'utf8')) as { grants: typeof grants }).grants;
  } catch {
    return 0;
  }
  const entry = grants[String(grant.requestId)];
  return entry?.identity === grant.identity && entry.group === grant.target.group ? 1 : 0;
}
