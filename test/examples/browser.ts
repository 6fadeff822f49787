/**
 * Headless Chromium driven over the DevTools protocol (with `ws`, already a dev dependency): just
 * enough to load a page, click, read text and take a screenshot. No browser is downloaded; the
 * system's `chromium` is used (scripts/ensure-chromium.sh installs it where apt-get can).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import WebSocket from 'ws';

const STEP_TIMEOUT_MS = 15_000;

export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const file = join(dir, name);
      if (dir !== '' && existsSync(file)) return file;
    }
  }
  return undefined;
}

export interface Browser {
  navigate(url: string): Promise<void>;
  /** Clicks the element, then waits until the page's URL starts with `urlPrefix` and has loaded. */
  clickAndWait(selector: string, urlPrefix: string): Promise<void>;
  evaluate(expression: string): Promise<unknown>;
  text(selector: string): Promise<string>;
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

async function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      reject(new Error(`chromium printed no DevTools URL within ${STEP_TIMEOUT_MS} ms:\n${err}`));
    }, STEP_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(err)?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (${String(code)}):\n${err}`));
    });
  });
}

/** How long Chromium gets to close by itself before it is killed. */
const CLOSE_GRACE_MS = 5_000;

export async function openBrowser(executable: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'umagate-chromium-'));
  const child = spawn(
    executable,
    // --no-sandbox: test machines run as root, where Chromium's sandbox refuses to start.
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--window-size=1000,760', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ws = new WebSocket(await devtoolsUrl(child));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let nextId = 0;
  const pending = new Map<number, Pending>();
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (waiter === undefined || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result ?? {});
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => {
    nextId += 1;
    const id = nextId;
    ws.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const session = String(sessionId);
  const page = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> => send(method, params, session);

  const evaluate = async (expression: string): Promise<unknown> => {
    const reply = await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    return (reply['result'] as { value?: unknown } | undefined)?.value;
  };
  const loadedAt = async (urlPrefix: string): Promise<void> => {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const state = (await evaluate('[location.href, document.readyState]')) as [string, string] | undefined;
      if (state?.[0].startsWith(urlPrefix) === true && state[1] === 'complete') return;
      if (Date.now() > deadline) throw new Error(`the browser did not reach ${urlPrefix} (at ${state?.[0] ?? '?'})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    navigate: async (url) => {
      await page('Page.navigate', { url });
      await loadedAt(url);
    },
    clickAndWait: async (selector, urlPrefix) => {
      await evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
      await loadedAt(urlPrefix);
    },
    evaluate,
    text: async (selector) => String(await evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`)),
    screenshot: async () => Buffer.from(String((await page('Page.captureScreenshot', { format: 'png' }))['data']), 'base64'),
    close: async () => {
      // Asked to close, Chromium stops its helper processes first; killed, it left them writing
      // into the profile for a moment, and removing the profile failed with ENOTEMPTY.
      const exited = new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
        else child.once('exit', resolve);
      });
      void send('Browser.close').catch(() => undefined);
      const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(kill);
      ws.close();
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
