/**
 * examples/oidc-login, run as its README says against `umagate dev`: an HTTP client that keeps
 * cookies and follows redirects signs in on the dev AS's page, sees the claims, refreshes and
 * signs out; then, where Chromium is installed, the same in headless Chromium with a screenshot
 * of the claims page kept in test-artifacts/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf } from '../helpers/dev-as-pages.js';
import { type LoggedProcess } from '../helpers/child-process.js';
import { findChromium, openBrowser } from './browser.js';
import { checkSetup, printedUrl, readmeCommands, ROOT, runCommand, startSandbox, stop, type Sandbox } from './harness.js';

interface Page {
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

/** Follows redirects (at most 10), keeping the cookies each origin sets, as a browser would. */
class CookieClient {
  readonly #jar = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Page> {
    return this.#follow(url, 'GET', undefined);
  }

  async post(url: string, fields: Readonly<Record<string, string>>): Promise<Page> {
    return this.#follow(url, 'POST', new URLSearchParams(fields).toString());
  }

  async #follow(start: string, method: 'GET' | 'POST', body: string | undefined): Promise<Page> {
    let url = start;
    let next: { method: 'GET' | 'POST'; body: string | undefined } = { method, body };
    for (let hop = 0; hop < 10; hop += 1) {
      const origin = new URL(url).origin;
      const cookies = [...(this.#jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await request(url, {
        method: next.method,
        ...(next.body === undefined ? {} : { body: next.body }),
        headers: { ...(cookies === '' ? {} : { cookie: cookies }), ...(next.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      });
      const setCookie = res.headers['set-cookie'];
      for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
        const [pair = ''] = line.split(';');
        const at = pair.indexOf('=');
        const jar = this.#jar.get(origin) ?? new Map<string, string>();
        jar.set(pair.slice(0, at), pair.slice(at + 1));
        this.#jar.set(origin, jar);
      }
      const html = await res.body.text();
      const location = res.headers.location;
      if (res.statusCode < 300 || res.statusCode >= 400 || typeof location !== 'string') return { url, status: res.statusCode, html };
      url = new URL(location, url).href;
      next = { method: 'GET', body: undefined };
    }
    throw new Error(`more than 10 redirects from ${start}`);
  }
}

const SCREENSHOT_DIR = join(ROOT, 'test-artifacts');

describe('examples/oidc-login', () => {
  let sandbox: Sandbox;
  let app: LoggedProcess;
  let appUrl: string;

  beforeAll(async () => {
    const [setup, dev, run, ...rest] = await readmeCommands('oidc-login');
    checkSetup(setup);
    expect(rest, 'README commands the test does not run').toEqual([]);
    sandbox = await startSandbox(dev ?? '');
    expect(run).toBe('node examples/oidc-login/app.js');
    app = runCommand(run ?? '', { OXD_URL: sandbox.oxdUrl, PORT: '0' });
    appUrl = await printedUrl(app);
  }, 90_000);

  afterAll(async () => {
    await stop(app);
    await sandbox.close();
  });

  it('signs in on the dev AS page, shows the claims, refreshes, and signs out (HTTP client)', async () => {
    const browser = new CookieClient();
    expect((await browser.get(appUrl)).html).toContain('You are not signed in');

    const login = await browser.get(`${appUrl}login`);
    expect(login.url.startsWith(`${sandbox.oxdUrl}oxauth/restv1/authorize?`)).toBe(true);
    expect(login.html).toContain('Dev stand-in, not a real login');
    const form = formOf(login.html, login.url);
    const me = await browser.post(form.action, { ...form.fields, username: 'alice', decision: 'allow' });
    expect(me.url).toBe(`${appUrl}me`);
    expect(me.html).toContain('Hello, Alice Liddell');
    expect(me.html).toContain('&#34;alice@example.org&#34;');

    const refreshed = await browser.post(`${appUrl}refresh`, {});
    expect(refreshed.url).toBe(`${appUrl}me`);
    expect(refreshed.html).toContain('Access token refreshed at');

    const out = await browser.post(`${appUrl}logout`, {});
    expect(out.url).toBe(appUrl);
    expect(out.html).toContain('You are not signed in');
  });

  it('comes back not signed in when the user cancels on the dev AS page', async () => {
    const browser = new CookieClient();
    const login = await browser.get(`${appUrl}login`);
    const form = formOf(login.html, login.url);
    const back = await browser.post(form.action, { ...form.fields, decision: 'deny' });
    expect(back.html).toContain('access_denied');
  });

  it('signs in in headless Chromium and keeps a screenshot of the claims page', async (ctx) => {
    const chromium = findChromium();
    if (chromium === undefined) {
      console.log('SKIPPED: no chromium on PATH (scripts/ensure-chromium.sh installs it where apt-get can)');
      ctx.skip();
      return;
    }
    const browser = await openBrowser(chromium);
    try {
      await browser.navigate(appUrl);
      await browser.clickAndWait('a[href="/login"]', `${sandbox.oxdUrl}oxauth/restv1/authorize`);
      expect(await browser.text('h1')).toBe('Sign in to the dev AS');
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await writeFile(join(SCREENSHOT_DIR, 'dev-as-sign-in.png'), await browser.screenshot());
      await browser.evaluate(`document.querySelector('input[value="alice"]').checked = true`);
      await browser.clickAndWait('button[value="allow"]', `${appUrl}me`);
      expect(await browser.text('h1')).toBe('Hello, Alice Liddell');
      expect(await browser.text('table')).toContain('alice@example.org');
      const file = join(SCREENSHOT_DIR, 'oidc-login-claims.png');
      await writeFile(file, await browser.screenshot());
      console.log(`screenshot of the claims page: ${file}`);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
