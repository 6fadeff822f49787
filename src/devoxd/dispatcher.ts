/**
 * What the three listeners share: the call log, the fault table and command execution with the
 * protocol's generation and protection setting.
 */
import type { AuthorizationServer } from './authorization-server.js';
import type { FaultTable } from './faults.js';
import { isJsonObject } from './json.js';
import { execute } from './operations.js';
import type { OperationContext, Outcome } from './outcome.js';
import type { DevOxdCall, DevOxdFault } from './types.js';

export type Protocol = DevOxdCall['protocol'];

export interface DispatcherOptions {
  readonly as: AuthorizationServer;
  readonly faults: FaultTable<DevOxdFault>;
  readonly protect: Readonly<Record<Protocol, boolean>>;
  /** Entries `calls` keeps (the most recent); counts stay exact beyond it. */
  readonly callLogLimit: number;
}

export class Dispatcher {
  /** The most recent calls, oldest first, at most `callLogLimit` of them. */
  readonly calls: DevOxdCall[] = [];
  readonly #counts = new Map<string, number>();
  readonly #options: DispatcherOptions;
  readonly #contexts: Readonly<Record<3 | 4, OperationContext>>;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    const context = (gen: 3 | 4): OperationContext => ({ gen, as: options.as });
    this.#contexts = { 3: context(3), 4: context(4) };
  }

  /** Logs the call and returns the fault to inject, if a rule matches. */
  receive(protocol: Protocol, command: string, params: unknown): DevOxdFault | undefined {
    const name = command.toLowerCase();
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
    this.calls.push({ protocol, command: name, params: isJsonObject(params) ? params : {} });
    // A benchmark sends millions of calls; V8 shifts a large array in O(1) (it trims the front).
    if (this.calls.length > this.#options.callLogLimit) this.calls.shift();
    return this.#options.faults.take(command);
  }

  /** Calls of one wire command since start, whether or not `calls` still holds them. */
  count(command: string): number {
    return this.#counts.get(command.toLowerCase()) ?? 0;
  }

  run(protocol: Protocol, command: string, params: unknown, authorization?: string): Outcome {
    const gen = protocol === 'rest' ? 4 : 3;
    return execute(this.#contexts[gen], { command, params, protect: this.#options.protect[protocol], authorization });
  }
}
