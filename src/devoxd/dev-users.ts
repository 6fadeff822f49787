/**
 * The dev AS's end-users: a few named ones to pick on the login page, and any other name typed
 * there. There are no passwords: whoever reaches the page may be anyone. Never for production.
 */

export interface DevUser {
  readonly username: string;
  readonly name: string;
  readonly email: string;
}

/** The subject of the first built-in user, and of tokens issued without a login. */
export const DEV_USER = 'dev-user';

/** The users the login page offers; any other valid username can be typed. */
export const DEV_USERS: readonly DevUser[] = [
  { username: DEV_USER, name: 'Dev User', email: 'dev-user@example.org' },
  { username: 'alice', name: 'Alice Liddell', email: 'alice@example.org' },
  { username: 'bob', name: 'Bob Builder', email: 'bob@example.org' },
];

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A typed username is kept when it is 1–64 of a-z, 0-9, ".", "_", "-" (lower-case first). */
export function devUser(username: string): DevUser | undefined {
  const known = DEV_USERS.find((user) => user.username === username);
  if (known !== undefined) return known;
  if (!USERNAME.test(username)) return undefined;
  return { username, name: username, email: `${username}@example.org` };
}

/** The user's claims as the userinfo endpoint returns them (OpenID Connect standard claims). */
export function userClaims(user: DevUser): Readonly<Record<string, string | boolean>> {
  return { sub: user.username, name: user.name, preferred_username: user.username, email: user.email, email_verified: true };
}
