import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { umaSession } from './harness.js';

// Client ids and secrets may hold any character; RFC 6749 §2.3.1 form-encodes each before Basic,
// so ':' '%' '+' and non-ASCII survive, and client_secret_post carries them as form fields.
const credential = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 });

describe.each(['client_secret_basic', 'client_secret_post'])('client authentication by %s', (method) => {
  const session = umaSession();

  it('gets a PAT for any client id and secret', async () => {
    const { as } = await session.start('strict');
    const doc = (await (await fetch(as.discoveryUrl)).json()) as Record<string, unknown>;
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: { ...doc, token_endpoint_auth_methods_supported: [method] } } });
    await fc.assert(
      fc.asyncProperty(credential, credential, async (clientId, clientSecret) => {
        const client = as.createClient({ clientId, clientSecret });
        const uma = await session.connect(as, client);
        expect(await uma.getPat()).toEqual(expect.any(String) as unknown);
        expect(as.calls.at(-1)?.auth).toBe(method === 'client_secret_basic' ? 'basic' : 'client_secret_post');
        await uma.close();
      }),
      { numRuns: 25 },
    );
  });
});
