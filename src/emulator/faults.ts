import type { FaultRule } from './config.ts';

interface ArmedRule {
  rule: FaultRule;
  /** Matching requests seen. */
  seen: number;
  /** Times it fired. */
  fired: number;
}

/**
 * Fault rules, tried in order on each ingestion request; the first that fires
 * decides. A rule skips its first `afterRequests` matches, fires at most `count`
 * times, and fires with `probability` (default 1).
 */
export class FaultInjector {
  readonly #configured: readonly FaultRule[];
  #rules: ArmedRule[] = [];
  readonly #random: () => number;

  constructor(configured: readonly FaultRule[], random: () => number = Math.random) {
    this.#configured = configured;
    this.#random = random;
    this.reset();
  }

  add(rule: FaultRule): void {
    this.#rules.push({ rule, seen: 0, fired: 0 });
  }

  /** Removes every rule, configured ones included. */
  clear(): void {
    this.#rules = [];
  }

  /** Back to the configured rules, re-armed. */
  reset(): void {
    this.#rules = this.#configured.map((rule) => ({ rule, seen: 0, fired: 0 }));
  }

  next(dcr: string, stream: string): FaultRule | undefined {
    for (const armed of this.#rules) {
      const { rule } = armed;
      if (rule.match?.dcr !== undefined && rule.match.dcr !== dcr) continue;
      if (rule.match?.stream !== undefined && rule.match.stream !== stream) continue;
      armed.seen++;
      if (armed.seen <= (rule.afterRequests ?? 0)) continue;
      if (rule.count !== undefined && armed.fired >= rule.count) continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      armed.fired++;
      return rule;
    }
    return undefined;
  }

  /** For the stats: each rule with how often it matched and fired. */
  describe(): Array<FaultRule & { seen: number; fired: number }> {
    return this.#rules.map(({ rule, seen, fired }) => ({ ...rule, seen, fired }));
  }
}
