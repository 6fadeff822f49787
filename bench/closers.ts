/**
 * What a bench setup has started, closed last first: a setup that fails half-way closes what it
 * had started before it rethrows, and a finished one closes everything the same way.
 */
export class Closers {
  readonly #stack: (() => Promise<void>)[] = [];

  add(close: () => Promise<void>): void {
    this.#stack.push(close);
  }

  /** Closes each once; a second call finds nothing left. */
  async closeAll(): Promise<void> {
    for (const close of this.#stack.splice(0).reverse()) await close();
  }
}
