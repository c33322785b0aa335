// A small seeded PRNG, so a demo run is reproducible from its seed: the same seed and the same clock
// give the same signals, which is what lets the end-to-end tests assert exact alert behaviour.

/** A source of uniform numbers in [0, 1) with the distributions the simulator draws from. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: 32 bits of state, full period, good enough statistics for synthetic telemetry. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    // 1 − next() is in (0, 1], so the logarithm is finite.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median and log-space standard deviation. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Number of successes in n trials of probability p. */
  binomial(n: number, p: number): number {
    let hits = 0;
    for (let i = 0; i < n; i++) if (this.next() < p) hits++;
    return hits;
  }
}

/** 32-bit FNV-1a hash of a string, to derive independent seeds per SLA from one run seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A generator for one named stream of a run: independent of the other names' streams. */
export function rngFor(seed: number, name: string): Rng {
  return new Rng((seed ^ hashString(name)) >>> 0);
}

/**
 * Turns a rate into whole events per interval without losing the fractions: 0.4 probes/s over 1 s
 * ticks gives 0, 0, 1, 0, 1, … and exactly 4 per 10 s.
 */
export class Accumulator {
  private carry = 0;

  /** Events due for `amount` more expected events. */
  take(amount: number): number {
    this.carry += amount;
    // The epsilon keeps float noise (0.4 × 10 summing to 3.9999…) from losing an event.
    const whole = Math.floor(this.carry + 1e-9);
    this.carry -= whole;
    return whole;
  }
}
