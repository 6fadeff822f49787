import { OxdError } from '../errors.js';

/**
 * oxd 3.1.x socket framing: exactly 4 zero-padded decimal digits giving the length of the JSON
 * that follows, counted in UTF-16 code units (Java `String.length()`), with no terminator.
 */

const PREFIX_CHARS = 4;
/** The largest JSON a 4-digit prefix can announce; oxd cannot read or write anything longer. */
const MAX_FRAME_CHARS = 9999;

/** Frames ASCII-only JSON (so characters and bytes agree); refuses what the prefix cannot hold. */
export function encodeFrame(json: string, command: string): string {
  if (json.length > MAX_FRAME_CHARS) {
    throw new OxdError(
      'frame_too_large',
      `${command} request is ${json.length} characters; the oxd socket protocol carries at most ${MAX_FRAME_CHARS}`,
      { command },
    );
  }
  return String(json.length).padStart(PREFIX_CHARS, '0') + json;
}

export type FrameRead =
  | { readonly kind: 'incomplete' }
  /** `trailing`: bytes arrived beyond the frame, which oxd never sends. */
  | { readonly kind: 'frame'; readonly json: string; readonly trailing: boolean }
  | { readonly kind: 'invalid'; readonly reason: string; readonly cause?: unknown };

/**
 * Reassembles one response frame from socket chunks. oxd may send raw non-ASCII UTF-8 while
 * its prefix counts code units, so bytes are decoded first (a multi-byte character may be split
 * across chunks) and the decoded text is counted.
 */
export class FrameDecoder {
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #text = '';

  push(chunk: Uint8Array): FrameRead {
    try {
      this.#text += this.#utf8.decode(chunk, { stream: true });
    } catch (err) {
      return { kind: 'invalid', reason: 'a response that is not valid UTF-8', cause: err };
    }
    if (this.#text.length < PREFIX_CHARS) return { kind: 'incomplete' };
    const prefix = this.#text.slice(0, PREFIX_CHARS);
    if (!/^[0-9]{4}$/.test(prefix)) {
      return { kind: 'invalid', reason: `a frame whose length prefix is not 4 digits: ${JSON.stringify(prefix)}` };
    }
    const end = PREFIX_CHARS + Number(prefix);
    if (this.#text.length < end) return { kind: 'incomplete' };
    return { kind: 'frame', json: this.#text.slice(PREFIX_CHARS, end), trailing: this.#text.length > end };
  }

  /** Whether any part of a response has arrived. */
  get started(): boolean {
    return this.#text.length > 0;
  }

  /** Describes a frame the peer stopped sending before it was complete. */
  cutOffReason(): string {
    if (this.#text.length < PREFIX_CHARS) {
      return `a response frame cut off after ${this.#text.length} of ${PREFIX_CHARS} length-prefix characters`;
    }
    const announced = Number(this.#text.slice(0, PREFIX_CHARS));
    return `a response frame cut off after ${this.#text.length - PREFIX_CHARS} of ${announced} characters`;
  }
}
