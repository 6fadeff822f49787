/**
 * The text `umagate dev` prints once everything is up. Every command in it is meant to be pasted
 * verbatim into a POSIX shell opened in the same directory, so it carries the real ports and
 * paths, and captures the one-time ticket and the RPT in shell variables instead of asking the
 * reader to copy them by hand.
 *
 * Layout contract (the walkthrough test relies on it): the commands of the numbered walkthrough
 * are the lines indented by exactly four spaces between WALKTHROUGH_HEADING and
 * LIVE_EDIT_HEADING, in the order they are to be run.
 */
import { shellQuote } from './shell-quote.js';

export const WALKTHROUGH_HEADING = 'Walkthrough';
export const LIVE_EDIT_HEADING = 'Live policy edits';

export interface WalkthroughInput {
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly backendUrl: string;
  readonly oxdRestUrl: string;
  readonly oxdSocket: string | null;
  /** The dev AS issuer: where its sign-in, sign-out and claims-gathering pages are served. */
  readonly opHost: string;
  /** Claims the dev AS demands per scope (`--demand-claim`). */
  readonly claimDemands: readonly { readonly scope: string; readonly claim: string }[];
  /** How to run the CLI here, e.g. `node dist/cli/main.js`. */
  readonly cli: string;
  readonly iniPath: string;
  readonly policyFile: string;
  /** A protected path that takes GET: the 401 → RPT → 200 demo (none: no walkthrough steps). */
  readonly protectedPath: string | null;
  /** A public path that takes GET, if the policy has one. */
  readonly publicPath: string | null;
  /** A path the policy does not cover yet, for the live-edit demo (none: the edit is only described). */
  readonly newPublicPath: string | null;
}

/** Reads one field of the JSON document on stdin (node is there whenever umagate is). */
function jsonField(field: string): string {
  return `node -p 'JSON.parse(require("node:fs").readFileSync(0, "utf8")).${field}'`;
}

/** What only the oxd sandbox has: the dev oxd, its ini, the CLI that talks to it, its dev AS pages. */
type OxdOnlyFields = 'oxdRestUrl' | 'oxdSocket' | 'cli' | 'iniPath' | 'opHost' | 'claimDemands';

/** `umagate dev --authz uma2`: the proxy speaks UMA 2.0 to the dev AS itself, no oxd. */
export interface DirectWalkthroughInput extends Omit<WalkthroughInput, OxdOnlyFields> {
  readonly issuer: string;
  readonly dialect: string;
  readonly tokenEndpoint: string;
  /** The dev client that plays the requesting party in step 2. */
  readonly requestingParty: { readonly clientId: string; readonly clientSecret: string };
  /** Where the dev clients were written. */
  readonly clientFile: string;
}

export function renderWalkthrough(input: WalkthroughInput): string {
  const socket = input.oxdSocket === null ? '' : `, ${input.oxdSocket} (oxd 3.1.x socket)`;
  const trade = [
    '2. Trade the ticket for an RPT (requesting party token) at the dev oxd:',
    '',
    `    RESULT=$(${input.cli} oxd uma-rp-get-rpt --oxd-config ${shellQuote(input.iniPath)} --ticket "$TICKET") && echo "$RESULT"`,
  ];
  return render(
    input,
    [
      `  dev oxd   ${input.oxdRestUrl} (oxd 4.x REST)${socket}`,
      `  dev AS    ${input.opHost}   (op_host: sign-in, sign-out and claims-gathering pages)`,
      `  oxd ini   ${input.iniPath}`,
      ...input.claimDemands.map((d) => `  need_info ${d.scope} is granted once ${d.claim} is known (claims gathering)`),
    ],
    [
      'The dev oxd is an in-memory stand-in for oxd and its UMA authorization server: it gives an',
      'RPT for any ticket, signs anyone in as any dev user without a password, and forgets',
      'everything when stopped. It is for trying things out only, NOT for production: in',
      'production, run `umagate serve` with --oxd-config for your real oxd.',
    ],
    { asks: 'oxd', trade },
    ['   Changing protected resources registers them again, which voids every RPT issued so far:', '   fetch a new one (steps 1 and 2).'],
  );
}

export function renderDirectWalkthrough(input: DirectWalkthroughInput): string {
  const { clientId, clientSecret } = input.requestingParty;
  const trade = [
    '2. Trade the ticket for an RPT (requesting party token) with the standard UMA grant, as any',
    '   UMA client would (here as the dev client playing the requesting party):',
    '',
    `    RESULT=$(curl -s -u ${shellQuote(`${clientId}:${clientSecret}`)} -d grant_type=urn:ietf:params:oauth:grant-type:uma-ticket -d ticket="$TICKET" ${shellQuote(input.tokenEndpoint)}) && echo "$RESULT"`,
  ];
  return render(
    input,
    [`  dev AS    ${input.issuer} (UMA 2.0, ${input.dialect} dialect; direct mode, no oxd)`, `  clients   ${input.clientFile}`],
    [
      'The dev AS is an in-memory UMA 2.0 authorization server: it gives an RPT for any ticket and',
      'forgets everything when stopped. It is for trying things out only, NOT for production: in',
      'production, run `umagate serve --authz uma2 --issuer URL --client-id ID` against your AS.',
    ],
    { asks: 'the AS', trade },
    ['   Changing a protected resource updates only that resource at the AS (same id), so RPTs for', '   the others stay valid; for a changed one, fetch a new RPT (steps 1 and 2).'],
  );
}

interface Trade {
  /** Who the proxy asks for tickets and decisions. */
  readonly asks: string;
  /** Step 2 up to (and including) the command that prints the JSON with `access_token`. */
  readonly trade: readonly string[];
}

function render(input: Omit<WalkthroughInput, OxdOnlyFields>, service: readonly string[], disclaimer: readonly string[], trade: Trade, onEdit: readonly string[]): string {
  return [
    '',
    'umagate dev is running: a sandbox to try umagate out.',
    '',
    `  proxy     ${input.proxyUrl}   (policy: ${input.policyFile})`,
    `  admin     ${input.adminUrl}   (/healthz, /readyz, /metrics)`,
    `  backend   ${input.backendUrl}   (demo echo backend: answers with what it received)`,
    ...service,
    '',
    ...disclaimer,
    '',
    ...steps(input, trade),
    ...liveEdit(input, onEdit),
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

function steps(input: Omit<WalkthroughInput, OxdOnlyFields>, trade: Trade): string[] {
  if (input.protectedPath === null) {
    return [`${WALKTHROUGH_HEADING}: none, since ${input.policyFile} protects no path for GET without a {regex}.`, ''];
  }
  const target = shellQuote(`${input.proxyUrl}${input.protectedPath}`);
  const lines = [
    `${WALKTHROUGH_HEADING} (paste each command into a second terminal, in this directory):`,
    '',
    `1. GET ${input.protectedPath} with no token: umagate asks ${trade.asks} for a permission ticket and answers 401.`,
    '',
    `    curl -i ${target}`,
    '',
    '   Keep a ticket in a shell variable (each ticket can be used only once):',
    '',
    `    TICKET=$(curl -s ${target} | ${jsonField('ticket')})`,
    '',
    ...trade.trade,
    `    RPT=$(echo "$RESULT" | ${jsonField('access_token')})`,
    '',
    `3. Present the RPT: umagate checks it with ${trade.asks} and forwards the request; the backend answers 200.`,
    '',
    `    curl -i -H "Authorization: Bearer $RPT" ${target}`,
    '',
  ];
  if (input.publicPath !== null) {
    lines.push('4. A public path is forwarded with no check at all:', '', `    curl -i ${shellQuote(`${input.proxyUrl}${input.publicPath}`)}`, '');
  }
  return lines;
}

function liveEdit(input: Pick<WalkthroughInput, 'policyFile' | 'proxyUrl' | 'newPublicPath'>, onEdit: readonly string[]): string[] {
  const heading = `${LIVE_EDIT_HEADING}: umagate watches ${input.policyFile} and applies each saved edit.`;
  const after = ['   An invalid edit is refused (the problems are logged) and the previous policy stays in force.', ...onEdit, ''];
  if (input.newPublicPath === null) return [heading, ...after];
  return [
    heading,
    '   Add this entry under its "resources:" list and save:',
    '',
    `      - path: ${input.newPublicPath}`,
    '        public: true',
    '',
    `   Then \`curl -i ${shellQuote(`${input.proxyUrl}${input.newPublicPath}`)}\` answers 200 instead of 403.`,
    ...after,
  ];
}
