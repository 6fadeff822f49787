/**
 * The client settings oxd-python keeps in the ini's `[client]` section, named once here so the
 * config reader, the write-back and the command parameters cannot drift apart.
 */

/** Single-valued `[client]` keys sent to setup_client / register_site / update_site when set. */
export const CLIENT_SCALAR_KEYS = [
  'op_host',
  'post_logout_redirect_uri',
  'application_type',
  'client_name',
  'client_jwks_uri',
  'client_token_endpoint_auth_method',
  'client_id',
  'client_secret',
  'client_registration_access_token',
  'client_registration_client_uri',
  // oxd-python sends it as a one-item list, but oxd's field is a string (docs/oxd-protocols.md, *The oxd-python ini*).
  'client_sector_identifier_uri',
] as const;

/** Comma-separated `[client]` keys sent as JSON arrays. */
export const CLIENT_LIST_KEYS = [
  'response_types',
  'client_frontchannel_logout_uris',
  'acr_values',
  'contacts',
  'grant_types',
  'client_request_uris',
  'ui_locales',
  'claims_locales',
  'claims_redirect_uri',
  'scope',
] as const;

/** `[client]` keys that are read but never sent as registration parameters. */
export const CLIENT_OTHER_KEYS = ['authorization_redirect_uri', 'client_id_issued_at', 'protection_access_token'] as const;

export type ClientScalarKey = (typeof CLIENT_SCALAR_KEYS)[number];
export type ClientListKey = (typeof CLIENT_LIST_KEYS)[number];
export type ClientOtherKey = (typeof CLIENT_OTHER_KEYS)[number];

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/** The `[client]` section in camelCase, for `new OxdClient({ client: … })`. */
export type OxdClientSettings = {
  readonly [K in ClientScalarKey | ClientOtherKey as Camel<K>]?: string;
} & {
  readonly [K in ClientListKey as Camel<K>]?: readonly string[];
};

/** Internal snake_case form: the ini's own key names, so write-back needs no translation. */
export interface ClientState {
  scalars: Partial<Record<ClientScalarKey | ClientOtherKey, string>>;
  lists: Partial<Record<ClientListKey, readonly string[]>>;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Converts the public camelCase settings into the ini-keyed state, dropping empty values. */
export function clientStateFromSettings(settings: OxdClientSettings): ClientState {
  const record = settings as Readonly<Record<string, string | readonly string[] | undefined>>;
  const state: ClientState = { scalars: {}, lists: {} };
  for (const key of [...CLIENT_SCALAR_KEYS, ...CLIENT_OTHER_KEYS]) {
    const value = record[camelCase(key)];
    if (typeof value === 'string' && value !== '') state.scalars[key] = value;
  }
  for (const key of CLIENT_LIST_KEYS) {
    const value = record[camelCase(key)];
    if (value !== undefined && typeof value !== 'string' && value.length > 0) state.lists[key] = value;
  }
  return state;
}

/** The inverse of clientStateFromSettings, so a config file feeds the public constructor. */
export function settingsFromClientState(state: ClientState): OxdClientSettings {
  const entries = [...Object.entries(state.scalars), ...Object.entries(state.lists)].map(([key, value]) => [camelCase(key), value]);
  return Object.fromEntries(entries) as OxdClientSettings;
}
