import { Harness, type HarnessOptions } from './harness';

/**
 * Starts a harness before the tests of the enclosing `describe` (before each of them with `perTest`) and
 * stops it after them. What it returns stands for the harness it started: use it inside tests and hooks
 * (hooks registered after this call run after the start), never while the tests are being collected.
 */
export function useHarness(options: HarnessOptions = {}, { perTest = false } = {}): Harness {
  let current: Harness | undefined;
  (perTest ? beforeEach : beforeAll)(async () => {
    current = await Harness.start(options);
  });
  (perTest ? afterEach : afterAll)(async () => {
    await current?.stop();
    current = undefined;
  });
  return new Proxy({} as Harness, {
    get(_, property) {
      if (!current) throw new Error(`the harness is not running (reading ${String(property)}): use it in a test or a hook only`);
      const value: unknown = Reflect.get(current, property);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
