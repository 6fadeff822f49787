/**
 * The oxd 3.1.x socket protocol: 4-digit length prefix (UTF-16 code units) + JSON, one frame at a
 * time per connection, with oxd's quirks — bytes after the first frame of a read are discarded, a
 * bad prefix closes silently, the generic internal_error closes after answering, and a reply over
 * 9999 characters closes with no answer.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from './dispatcher.js';
import { GENERIC_INTERNAL_ERROR, injectedFailure } from './failures.js';
import { isJsonObject, jsonCopy } from './json.js';
import { fail, ok, type Outcome } from './outcome.js';
import { envelope } from './render.js';
import type { DevOxdFault } from './types.js';

const PREFIX_LENGTH = 4;
/** The longest JSON the 4-digit prefix can announce; the https-extension, which forwards over the socket, inherits it. */
export const MAX_FRAME = 9999;

/** `0042{…}`, or undefined when the text does not fit the 4-digit prefix. */
function frame(json: string): string | undefined {
  return json.length > MAX_FRAME ? undefined : `${String(json.length).padStart(PREFIX_LENGTH, '0')}${json}`;
}

type Parsed = { readonly kind: 'command'; readonly command: string; readonly params: unknown } | { readonly kind: 'unparsable' };

function parseCommand(json: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { kind: 'unparsable' };
  }
  if (!isJsonObject(value)) return { kind: 'unparsable' };
  const command = typeof value['command'] === 'string' ? value['command'] : '';
  return { kind: 'command', command, params: value['params'] };
}

export function createSocketServer(dispatcher: Dispatcher): Server {
  return createServer((socket) => {
    serveConnection(socket, dispatcher);
  });
}

function serveConnection(socket: Socket, dispatcher: Dispatcher): void {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffer += decoder.write(chunk);
    if (buffer.length < PREFIX_LENGTH) return;
    const prefix = buffer.slice(0, PREFIX_LENGTH);
    const length = Number(prefix);
    if (!/^\d{4}$/.test(prefix) || length === 0) {
      socket.destroy();
      return;
    }
    if (buffer.length < PREFIX_LENGTH + length) return;
    const json = buffer.slice(PREFIX_LENGTH, PREFIX_LENGTH + length);
    // oxd never keeps what followed the frame in the same read: pipelined requests are lost.
    buffer = '';
    socket.pause();
    void answer(socket, dispatcher, json).finally(() => {
      if (!socket.destroyed) socket.resume();
    });
  });
}

async function answer(socket: Socket, dispatcher: Dispatcher, json: string): Promise<void> {
  const parsed = parseCommand(json);
  if (parsed.kind === 'unparsable') {
    reply(socket, fail(GENERIC_INTERNAL_ERROR));
    return;
  }
  const fault = dispatcher.receive('socket', parsed.command, parsed.params);
  const run = (): Outcome => dispatcher.run('socket', parsed.command, parsed.params);
  if (fault === undefined) {
    reply(socket, run());
    return;
  }
  await applyFault(socket, fault, run);
}

async function applyFault(socket: Socket, fault: DevOxdFault, run: () => Outcome): Promise<void> {
  switch (fault.kind) {
    case 'refuse':
      socket.destroy();
      return;
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (!socket.destroyed) reply(socket, run());
      return;
    case 'garbage':
      socket.write('garbage, not an oxd frame');
      return;
    case 'drop_mid_frame': {
      const text = frame(JSON.stringify(envelope(run()))) ?? '';
      socket.end(text.slice(0, Math.ceil(text.length / 2)));
      return;
    }
    case 'error':
      reply(socket, fail(injectedFailure(fault.code, fault.description, fault.status)));
      return;
    case 'answer':
      reply(socket, ok(jsonCopy(fault.data)));
      return;
  }
}

function reply(socket: Socket, outcome: Outcome): void {
  if (socket.destroyed) return;
  const text = frame(JSON.stringify(envelope(outcome)));
  if (text === undefined) {
    // oxd fails to write a reply this long and drops the connection.
    socket.destroy();
    return;
  }
  if (!outcome.ok && outcome.failure.closesConnection === true) socket.end(text);
  else socket.write(text);
}
