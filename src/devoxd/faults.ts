/** Fault rules injected by tests: which fault, if any, the next call of a command (or endpoint) gets. */

interface ActiveRule<F> {
  /** Lower-case command or endpoint name, or '*' for every one. */
  readonly name: string;
  readonly fault: F;
  /** Calls left; Infinity when the rule has no `times`. */
  remaining: number;
}

export class FaultTable<F> {
  #rules: ActiveRule<F>[] = [];

  add(name: string, fault: F, times: number | undefined): void {
    if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
      throw new RangeError('"times" must be a positive integer (omit it for an unlimited fault)');
    }
    this.#rules.push({ name: name.toLowerCase(), fault, remaining: times ?? Infinity });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The first rule matching the name (oldest first), counted down as it is used. */
  take(name: string): F | undefined {
    const key = name.toLowerCase();
    const rule = this.#rules.find((r) => r.name === '*' || r.name === key);
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.fault;
  }
}
