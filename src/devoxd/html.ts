/**
 * The dev AS's pages as HTML text: the login page, the claims-gathering page and a message page.
 * Plain server-rendered forms, no scripts. Every value that reaches the page passes through
 * `escapeHtml`, since anyone can hit these URLs with whatever parameters they like.
 */
import type { RequiredClaim } from './claim-demands.js';
import type { DevUser } from './dev-users.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
.dev{background:#fff3cd;border:1px solid #e0c36c;padding:.6rem .8rem;border-radius:4px}
.error{color:#a00}label{display:block;margin:.4rem 0}input[type=text]{padding:.3rem;width:16rem}
button{margin:.8rem .6rem 0 0;padding:.4rem 1rem}dt{font-weight:600}`;

const DEV_NOTICE =
  '<p class="dev"><strong>Dev stand-in, not a real login.</strong> This page belongs to the umagate dev authorization server: ' +
  'there are no passwords, anyone may sign in as anyone. Never use it for real data.</p>';

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${DEV_NOTICE}${body}</body></html>
`;
}

function hidden(fields: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(fields)
    .flatMap(([name, value]) => (value === undefined ? [] : [`<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`]))
    .join('');
}

function problem(message: string | undefined): string {
  return message === undefined ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`;
}

export interface LoginPage {
  readonly action: string;
  readonly clientId: string;
  readonly users: readonly DevUser[];
  /** The authorization request, carried through the form unchanged. */
  readonly request: Readonly<Record<string, string | undefined>>;
  readonly error?: string;
}

export function loginPage(input: LoginPage): string {
  const users = input.users
    .map(
      (user, i) =>
        `<label><input type="radio" name="user" value="${escapeHtml(user.username)}"${i === 0 ? ' checked' : ''}> ` +
        `${escapeHtml(user.name)} <small>(${escapeHtml(user.username)})</small></label>`,
    )
    .join('');
  return page(
    'Sign in to the dev AS',
    `<p>The application <code>${escapeHtml(input.clientId)}</code> asks you to sign in.</p>${problem(input.error)}
<form method="post" action="${escapeHtml(input.action)}">${hidden(input.request)}
<fieldset><legend>Pick a dev user</legend>${users}</fieldset>
<label>or type any username: <input type="text" name="username" autocomplete="off" maxlength="64"></label>
<button type="submit" name="decision" value="allow">Sign in</button><button type="submit" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

export interface ClaimsPage {
  readonly action: string;
  readonly claims: readonly RequiredClaim[];
  /** The claims-gathering request, carried through the form unchanged. */
  readonly request: Readonly<Record<string, string | undefined>>;
  readonly error?: string;
}

export function claimsPage(input: ClaimsPage): string {
  const fields =
    input.claims.length === 0
      ? '<p>Nothing more is needed for this request.</p>'
      : input.claims
          .map(
            (claim) =>
              `<label>${escapeHtml(claim.friendly_name)}: <input type="text" name="claim.${escapeHtml(claim.name)}" required maxlength="256"></label>`,
          )
          .join('');
  return page(
    'More information needed',
    `<p>The authorization server needs these claims before it can grant the access asked for.</p>${problem(input.error)}
<form method="post" action="${escapeHtml(input.action)}">${hidden(input.request)}${fields}
<button type="submit">Continue</button></form>`,
  );
}

/** A page that only says something: an error that must not redirect, or a finished logout. */
export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
