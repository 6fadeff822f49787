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
  readonly faults: FaultTable;
  readonly protect: Readonly<Record<Protocol, boolean>>;
  readonly claimsRequiredFor: ReadonlySet<string>;
}

export class Dispatcher {
  readonly calls: DevOxdCall[] = [];
  readonly #options: DispatcherOptions;
  readonly #contexts: Readonly<Record<3 | 4, OperationContext>>;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    const context = (gen: 3 | 4): OperationContext => ({ gen, as: options.as, claimsRequiredFor: options.claimsRequiredFor });
    this.#contexts = { 3: context(3), 4: context(4) };
  }

  /** Logs the call and returns the fault to inject, if a rule matches. */
  receive(protocol: Protocol, command: string, params: unknown): DevOxdFault | undefined {
    this.calls.push({ protocol, command: command.toLowerCase(), params: isJsonObject(params) ? params : {} });
    return this.#options.faults.take(command);
  }

  run(protocol: Protocol, command: string, params: unknown, authorization?: string): Outcome {
    const gen = protocol === 'rest' ? 4 : 3;
    return execute(this.#contexts[gen], { command, params, protect: this.#options.protect[protocol], authorization });
  }
}
