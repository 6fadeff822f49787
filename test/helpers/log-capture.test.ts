import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogCapture } from '../proxy/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('LogCapture.waitFor', () => {
  it('resolves with the first matching line, written before or after the call', async () => {
    const logs = new LogCapture();
    logs.write('{"msg":"a"}\n');
    expect(await logs.waitFor('"a"', (l) => l.msg === 'a')).toEqual({ msg: 'a' });
    const later = logs.waitFor('"b"', (l) => l.msg === 'b');
    logs.write('{"msg":"b","n":1}\n');
    expect(await later).toEqual({ msg: 'b', n: 1 });
  });

  it('gives up after its deadline, naming what it waited for and the last lines seen', async () => {
    vi.useFakeTimers();
    const logs = new LogCapture();
    logs.write('{"msg":"listening"}\n');
    const waiting = logs.waitFor('"policy reloaded"', (l) => l.msg === 'policy reloaded');
    const failed = expect(waiting).rejects.toThrow('no log line "policy reloaded" within 10000 ms; the last ones:\n{"msg":"listening"}');
    await vi.advanceTimersByTimeAsync(10_000);
    await failed;
  });
});
