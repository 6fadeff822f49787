/** Fault rules injected by tests: which fault, if any, the next call of a command gets. */
import type { DevOxdFault, DevOxdFaults, FaultRule } from './types.js';

interface ActiveRule {
  readonly command: string;
  readonly fault: DevOxdFault;
  /** Calls left; Infinity when the rule has no `times`. */
  remaining: number;
}

export class FaultTable implements DevOxdFaults {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new RangeError('"times" must be a positive integer (omit it for an unlimited fault)');
    }
    this.#rules.push({ command: rule.command.toLowerCase(), fault: rule.fault, remaining: rule.times ?? Infinity });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The first rule matching the command (oldest first), counted down as it is used. */
  take(command: string): DevOxdFault | undefined {
    const name = command.toLowerCase();
    const rule = this.#rules.find((r) => r.command === '*' || r.command === name);
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.fault;
  }
}
