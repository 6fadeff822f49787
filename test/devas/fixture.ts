/**
 * The dev AS as its tests drive it: started per test (on a port it can be restarted on) and
 * called over plain HTTP as a client would, each answer read as its status and JSON body.
 */
import { onTestFinished } from 'vitest';
import { startDevAs, type DevAs, type DevAsDialect, type DevAsOptions } from '../../src/devas/index.js';
import { restartablePort } from '../helpers/restartable-port.js';

export const DIALECTS: readonly DevAsDialect[] = ['keycloak', 'janssen', 'strict'];

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A dev AS closed when the test ends. */
export async function start(options: DevAsOptions): Promise<DevAs> {
  const as = await startDevAs({ port: await restartablePort(), ...options });
  onTestFinished(() => as.close());
  return as;
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

export async function discovery(as: DevAs): Promise<Record<string, string>> {
  return (await (await fetch(as.discoveryUrl)).json()) as Record<string, string>;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** POSTs a form, with client authentication when `authorization` is given. */
export async function form(url: string, fields: Record<string, string>, authorization?: string): Promise<Answer> {
  return answerOf(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
      body: new URLSearchParams(fields),
    }),
  );
}

/** POSTs JSON to the protection API with a PAT. */
export async function postJson(url: string, body: unknown, pat: string): Promise<Answer> {
  return answerOf(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${pat}` }, body: JSON.stringify(body) }));
}
