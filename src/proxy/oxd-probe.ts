/**
 * What the breaker's background probe asks oxd while it is failing (ARCHITECTURE.md, *Outage*: a
 * probe reaches oxd at least every 5 s). The call must really reach oxd — an answer the client makes up locally,
 * such as get_rp's `unsupported_operation` on the https-extension, would close the breaker with
 * oxd still gone — and must change nothing there, since it repeats for as long as the outage lasts:
 * - `get_rp` (socket, REST): oxd reads its own storage; no protection token, no AS round trip.
 * - `introspect_rpt` of a token never issued (https-extension, which has no get_rp): read-only,
 *   answered `active: false`. Not `uma_rs_check_access` with an empty rpt: each one mints a
 *   permission ticket at the AS.
 * Any answer, an oxd error such as `invalid_oxd_id` included, proves oxd is back. Both commands
 * need the site's oxd id; before the site is registered there is nothing to probe with, and the
 * boot registration's own retries (≤ 5 s apart, through the same guard) probe instead.
 */
import type { OxdCallOptions, OxdProtocol } from '../oxd/index.js';
import type { ProbeCall } from './oxd-guard.js';

/** The slice of OxdClient the probe needs. */
export interface ProbeClient {
  readonly protocol: OxdProtocol;
  readonly oxdId: string | null;
  getRp(call?: OxdCallOptions): Promise<unknown>;
  introspectRpt(rpt: string, call?: OxdCallOptions): Promise<unknown>;
}

/** A token no AS issued, so introspecting it changes nothing and answers `active: false`. */
const PROBE_RPT = 'umagate-breaker-probe';

export function oxdProbe(client: ProbeClient): () => ProbeCall | null {
  return () => {
    if (client.oxdId === null) return null;
    if (client.protocol === 'https-extension') return { command: 'introspect_rpt', run: (signal) => client.introspectRpt(PROBE_RPT, { signal }) };
    return { command: 'get_rp', run: (signal) => client.getRp({ signal }) };
  };
}
