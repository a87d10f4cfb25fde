import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../listener.ts';

/**
 * The LISTEN reconnect delays (issue 13, finding 1): exponential, capped so a
 * returning database is heard again within 5 s, and jittered so instances do
 * not reconnect in step. The outage itself is tested end to end in
 * faults/test/scenarios.test.ts.
 */
describe('LISTEN reconnect backoff', () => {
  it('doubles from the base, stays between half and all of the capped delay, and never exceeds the cap', () => {
    const b = DEFAULT_BACKOFF;
    for (let attempt = 0; attempt < 40; attempt++) {
      const full = Math.min(b.maxMs, b.baseMs * 2 ** attempt);
      expect(backoffDelay(attempt, b, () => 0)).toBe(full / 2);
      expect(backoffDelay(attempt, b, () => 0.999999)).toBeCloseTo(full, 0);
      expect(backoffDelay(attempt, b, Math.random)).toBeLessThanOrEqual(b.maxMs);
    }
    expect(backoffDelay(1, b, () => 0)).toBe(2 * backoffDelay(0, b, () => 0));
    // the longest wait after the database is back stays well inside the 5 s the service promises
    expect(b.maxMs).toBeLessThan(5_000);
  });

  it('spreads the delays of many listeners (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(backoffDelay(10, DEFAULT_BACKOFF))));
    expect(delays.size).toBeGreaterThan(10);
  });
});
