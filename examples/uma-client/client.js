// @ts-check
/**
 * A UMA requesting party: call a protected API, read the 401's permission ticket, trade it for
 * an RPT, handle need_info through claims gathering, retry with the RPT, print the answer.
 *
 *   node examples/uma-client/client.js [METHOD] [URL]      (default: GET http://127.0.0.1:8080/photo)
 *
 *   OXD_URL   oxd's REST base URL (default http://127.0.0.1:8553/, umagate dev's dev oxd)
 *
 * When the AS needs claims (need_info), the script prints the claims-gathering URL, listens on
 * 127.0.0.1 for the AS to send the browser back with a new ticket, and carries on.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { OxdClient } from 'umagate';

const [method = 'GET', target = 'http://127.0.0.1:8080/photo'] = process.argv.slice(2);
const oxdUrl = process.env.OXD_URL ?? 'http://127.0.0.1:8553/';
/** How long to wait for the claims-gathering page to send the browser back. */
const CLAIMS_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * How this script obtains RPTs. Through oxd here (uma_rp_get_rpt); direct mode's UMA 2.0
 * uma-ticket grant fits the same shape.
 * @typedef {{ rpt: string } | { needInfo: { ticket: string } }} RptOutcome
 * @typedef {{
 *   getRpt(ticket: string): Promise<RptOutcome>,
 *   claimsGatheringUrl(ticket: string): Promise<string>,
 *   close(): Promise<void>,
 * }} RequestingParty
 */

/**
 * The requesting party as an oxd site of its own, registered on first use.
 * @param {string} opHost the AS named by the resource server's 401 (`as_uri`)
 * @param {string} claimsRedirectUri where the claims-gathering page sends the browser back
 * @returns {Promise<RequestingParty>}
 */
async function oxdRequestingParty(opHost, claimsRedirectUri) {
  const client = new OxdClient({
    protocol: 'rest',
    baseUrl: oxdUrl,
    client: { opHost, authorizationRedirectUri: claimsRedirectUri, claimsRedirectUri: [claimsRedirectUri] },
  });
  await client.setupClient();
  return {
    async getRpt(ticket) {
      const result = await client.umaRpGetRpt(ticket);
      return 'error' in result ? { needInfo: { ticket: result.ticket } } : { rpt: result.access_token };
    },
    claimsGatheringUrl: (ticket) => client.umaRpGetClaimsGatheringUrl(ticket),
    close: () => client.close(),
  };
}

/**
 * Waits for the AS to send the browser back to the claims redirect URI with the new ticket.
 * @param {import('node:http').Server} listener
 * @param {string} state the state of the claims-gathering URL, which must come back unchanged
 * @returns {Promise<string>} the new ticket
 */
function newTicketFrom(listener, state) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no answer from the claims-gathering page within ${CLAIMS_TIMEOUT_MS / 1000} s`));
    }, CLAIMS_TIMEOUT_MS);
    listener.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const ticket = url.searchParams.get('ticket');
      if (url.searchParams.get('state') !== state || ticket === null) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the answer this script is waiting for.\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Thank you: the script carries on. You can close this page.\n');
      clearTimeout(timer);
      resolve(ticket);
    });
  });
}

/**
 * The permission ticket and AS of a UMA 401 (`WWW-Authenticate: UMA realm=…,as_uri=…,ticket=…`).
 * @param {Response} response
 */
function umaChallenge(response) {
  const header = response.headers.get('www-authenticate') ?? '';
  const field = (/** @type {string} */ name) => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];
  const ticket = field('ticket');
  const asUri = field('as_uri');
  if (response.status !== 401 || ticket === undefined || asUri === undefined) {
    throw new Error(`expected a UMA 401 with a ticket from ${target}, got ${response.status} ${header}`);
  }
  return { ticket, asUri };
}

const first = await fetch(target, { method });
console.log(`${method} ${target} → ${first.status} (no token)`);
if (first.status !== 401) {
  console.log(await first.text());
  process.exit(first.ok ? 0 : 1);
}
const challenge = umaChallenge(first);

const listener = createServer();
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const address = /** @type {import('node:net').AddressInfo} */ (listener.address());
const party = await oxdRequestingParty(challenge.asUri, `http://127.0.0.1:${address.port}/claims`);
try {
  let outcome = await party.getRpt(challenge.ticket);
  if ('needInfo' in outcome) {
    const url = await party.claimsGatheringUrl(outcome.needInfo.ticket);
    console.log('The authorization server needs more information. Open this URL in a browser:');
    console.log(`  ${url}`);
    const ticket = await newTicketFrom(listener, new URL(url).searchParams.get('state') ?? '');
    console.log('Claims given; asking for the RPT again.');
    outcome = await party.getRpt(ticket);
  }
  if (!('rpt' in outcome)) throw new Error('the authorization server still needs information');
  const second = await fetch(target, { method, headers: { authorization: `Bearer ${outcome.rpt}` } });
  console.log(`${method} ${target} → ${second.status} (with the RPT)`);
  console.log(await second.text());
  process.exitCode = second.ok ? 0 : 1;
} finally {
  await party.close();
  listener.close();
}
