/**
 * Drives the dev AS's pages as a browser would, without one: fetch a page, read its form (the
 * hidden fields as rendered, HTML entities decoded), submit it, and return where the AS redirects.
 */
import { request } from 'undici';

export interface PageReply {
  readonly status: number;
  readonly html: string;
  /** The Location of a redirect, resolved against the page's URL. */
  readonly location: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export async function getPage(url: string): Promise<PageReply> {
  return reply(url, await request(url));
}

export async function postForm(url: string, fields: Readonly<Record<string, string>>): Promise<PageReply> {
  const body = new URLSearchParams(fields).toString();
  return reply(url, await request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
}

async function reply(url: string, response: Awaited<ReturnType<typeof request>>): Promise<PageReply> {
  const location = response.headers.location;
  return {
    status: response.statusCode,
    html: await response.body.text(),
    location: typeof location === 'string' ? new URL(location, url).href : undefined,
    headers: response.headers,
  };
}

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1] === undefined ? undefined : decode(match[1]);
}

export interface PageForm {
  /** Absolute URL the form posts to. */
  readonly action: string;
  /** Hidden fields and checked radio buttons, as the browser would send them. */
  readonly fields: Record<string, string>;
}

/** The page's one form. */
export function formOf(html: string, pageUrl: string): PageForm {
  const form = /<form[^>]*>/.exec(html)?.[0];
  if (form === undefined) throw new Error(`no form on the page:\n${html}`);
  const fields: Record<string, string> = {};
  for (const [tag] of html.matchAll(/<input[^>]*>/g)) {
    const type = attribute(tag, 'type');
    const name = attribute(tag, 'name');
    if (name === undefined) continue;
    if (type === 'hidden' || (type === 'radio' && / checked/.test(tag))) fields[name] = attribute(tag, 'value') ?? '';
  }
  return { action: new URL(attribute(form, 'action') ?? '', pageUrl).href, fields };
}

/**
 * Opens an authorization URL, signs in (the pre-selected user, or `username` typed in) or
 * cancels, and returns the redirect the AS answers with.
 */
export async function signIn(authorizationUrl: string, choice: { username?: string; decision?: 'allow' | 'deny' } = {}): Promise<URL> {
  const page = await getPage(authorizationUrl);
  if (page.status !== 200) throw new Error(`the login page answered ${page.status}:\n${page.html}`);
  const form = formOf(page.html, authorizationUrl);
  const submitted = await postForm(form.action, { ...form.fields, username: choice.username ?? '', decision: choice.decision ?? 'allow' });
  if (submitted.location === undefined) throw new Error(`the login did not redirect (${submitted.status}):\n${submitted.html}`);
  return new URL(submitted.location);
}

/** Opens a claims-gathering URL, fills each claim field in, and returns the redirect. */
export async function gatherClaims(url: string, values: Readonly<Record<string, string>>): Promise<URL> {
  const page = await getPage(url);
  if (page.status !== 200) throw new Error(`the claims page answered ${page.status}:\n${page.html}`);
  const form = formOf(page.html, url);
  const claims = Object.fromEntries(Object.entries(values).map(([name, value]) => [`claim.${name}`, value]));
  const submitted = await postForm(form.action, { ...form.fields, ...claims });
  if (submitted.location === undefined) throw new Error(`the claims page did not redirect (${submitted.status}):\n${submitted.html}`);
  return new URL(submitted.location);
}
