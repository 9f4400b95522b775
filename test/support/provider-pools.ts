import { ProviderPools } from '../../src/providers/pools';
import type { Logger } from '../../src/shared/logger';

/** Pools as the app keeps them, with the warnings they log kept for the test to read; the test closes them. */
export function testPools(size = 4): { pools: ProviderPools; warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as unknown as Logger;
  // Idle pools close only when the test closes them, so what it counts stays put.
  return { pools: new ProviderPools({ size, idleMs: 3_600_000, logger }), warnings };
}
