// When the audit indexer works, on a clock the test moves: at once while the hub is quiet or someone waits for the
// index; while busy, only in whole batches or after WAIT_MS, pausing after each batch to keep to DUTY.
import { describe, expect, it } from 'vitest';
import { BATCH, BUSY_RECORDS_PER_SECOND, DUTY, IndexThrottle, WAIT_MS } from './index-throttle.js';

function throttle() {
  let now = 0;
  const t = new IndexThrottle(() => now);
  return {
    t,
    /** `perSecond` requests recorded over the next `ms`. */
    load(perSecond: number, ms: number) {
      t.arrived(Math.round((perSecond * ms) / 1000));
      now += ms;
    },
    wait(ms: number) {
      now += ms;
    },
  };
}

describe('IndexThrottle', () => {
  it('indexes at once while the hub is quiet', () => {
    const { t, load } = throttle();
    t.sealed(10);
    load(BUSY_RECORDS_PER_SECOND / 2, 1000);
    expect(t.putOff(true)).toBe(false);
    expect(t.pauseAfter(200, true)).toBe(0);
  });

  it('while busy, puts off a round until a whole batch waits', () => {
    const { t, load } = throttle();
    t.sealed(10);
    load(1000, 200);
    expect(t.putOff(true)).toBe(true);
    t.sealed(BATCH);
    load(1000, 200);
    expect(t.putOff(true)).toBe(false);
  });

  it('while busy, puts off a round no longer than WAIT_MS since the last one', () => {
    const { t, load } = throttle();
    t.indexed(0);
    t.sealed(10);
    load(1000, WAIT_MS - 100);
    expect(t.putOff(true)).toBe(true);
    load(1000, 200);
    expect(t.putOff(true)).toBe(false);
  });

  it('never puts off or pauses for whoever waits for the index', () => {
    const { t, load } = throttle();
    t.sealed(10);
    load(1000, 200);
    expect(t.putOff(false)).toBe(false);
    expect(t.pauseAfter(200, false)).toBe(0);
  });

  it('pauses after a batch so that indexing takes DUTY of the time while busy, at most five seconds', () => {
    const { t, load } = throttle();
    load(1000, 200);
    expect(t.pauseAfter(200, true)).toBeCloseTo(200 * (1 / DUTY - 1));
    load(1000, 200);
    expect(t.pauseAfter(2000, true)).toBe(5000);
  });

  it('stops counting the hub busy once the requests stop, though its own work kept the loop busy; a look too short to tell keeps the last answer', () => {
    const { t, load, wait } = throttle();
    load(1000, 500);
    expect(t.busy()).toBe(true);
    wait(10);
    expect(t.busy()).toBe(true);
    wait(500);
    expect(t.busy()).toBe(false);
  });
});
