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

export function renderWalkthrough(input: WalkthroughInput): string {
  const socket = input.oxdSocket === null ? '' : `, ${input.oxdSocket} (oxd 3.1.x socket)`;
  return [
    '',
    'umagate dev is running: a sandbox to try umagate out.',
    '',
    `  proxy     ${input.proxyUrl}   (policy: ${input.policyFile})`,
    `  admin     ${input.adminUrl}   (/healthz, /readyz, /metrics)`,
    `  backend   ${input.backendUrl}   (demo echo backend: answers with what it received)`,
    `  dev oxd   ${input.oxdRestUrl} (oxd 4.x REST)${socket}`,
    `  dev AS    ${input.opHost}   (op_host: sign-in, sign-out and claims-gathering pages)`,
    `  oxd ini   ${input.iniPath}`,
    ...input.claimDemands.map((d) => `  need_info ${d.scope} is granted once ${d.claim} is known (claims gathering)`),
    '',
    'The dev oxd is an in-memory stand-in for oxd and its UMA authorization server: it gives an',
    'RPT for any ticket, signs anyone in as any dev user without a password, and forgets',
    'everything when stopped. It is for trying things out only, NOT for production: in',
    'production, run `umagate serve` with --oxd-config for your real oxd.',
    '',
    ...steps(input),
    ...liveEdit(input),
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

function steps(input: WalkthroughInput): string[] {
  if (input.protectedPath === null) {
    return [`${WALKTHROUGH_HEADING}: none, since ${input.policyFile} protects no path for GET without a {regex}.`, ''];
  }
  const target = shellQuote(`${input.proxyUrl}${input.protectedPath}`);
  const lines = [
    `${WALKTHROUGH_HEADING} (paste each command into a second terminal, in this directory):`,
    '',
    `1. GET ${input.protectedPath} with no token: umagate asks oxd for a permission ticket and answers 401.`,
    '',
    `    curl -i ${target}`,
    '',
    '   Keep a ticket in a shell variable (each ticket can be used only once):',
    '',
    `    TICKET=$(curl -s ${target} | ${jsonField('ticket')})`,
    '',
    '2. Trade the ticket for an RPT (requesting party token) at the dev oxd:',
    '',
    `    RESULT=$(${input.cli} oxd uma-rp-get-rpt --oxd-config ${shellQuote(input.iniPath)} --ticket "$TICKET") && echo "$RESULT"`,
    `    RPT=$(echo "$RESULT" | ${jsonField('access_token')})`,
    '',
    '3. Present the RPT: umagate checks it with oxd and forwards the request; the backend answers 200.',
    '',
    `    curl -i -H "Authorization: Bearer $RPT" ${target}`,
    '',
  ];
  if (input.publicPath !== null) {
    lines.push('4. A public path is forwarded with no check at all:', '', `    curl -i ${shellQuote(`${input.proxyUrl}${input.publicPath}`)}`, '');
  }
  return lines;
}

function liveEdit(input: WalkthroughInput): string[] {
  const heading = `${LIVE_EDIT_HEADING}: umagate watches ${input.policyFile} and applies each saved edit.`;
  const after = [
    '   An invalid edit is refused (the problems are logged) and the previous policy stays in force.',
    '   Changing protected resources registers them again, which voids every RPT issued so far:',
    '   fetch a new one (steps 1 and 2).',
    '',
  ];
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
