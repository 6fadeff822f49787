/**
 * The admin listener: /healthz (the process is alive), /readyz (the policy has been registered
 * since boot — an outage of oxd or the AS afterwards is reported but does not flip it, so one
 * outage does not pull every replica out of its load balancer) and /metrics (Prometheus).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuthzService } from './authz-backend.js';
import type { BreakerState } from './metrics.js';
import { sendJson, sendRejection } from './respond.js';

/** The Prometheus exposition: one registry's, or the sum over cluster workers. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export interface ServiceReport {
  readonly reachable: boolean;
  readonly breaker: BreakerState;
}

/** `oxd` or `as` (direct mode) reports the service behind the guard. */
export type ReadinessReport = {
  readonly ready: boolean;
  readonly policy: { readonly generation: number; readonly source: string; readonly registered: boolean };
  /** While not ready: why the registration has not succeeded yet, in one line. */
  readonly problem?: string;
  /** With --workers above 1: how many traffic workers run, and how many serve the policy in force. */
  readonly workers?: { readonly expected: number; readonly ready: number };
} & { readonly [S in AuthzService]?: ServiceReport };

export interface AdminDeps {
  readonly metrics: MetricsSource;
  readonly readiness: () => ReadinessReport;
}

export function createAdminServer(deps: AdminDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch(() => {
      sendRejection(res, { code: 'internal_error' }, null);
    });
  });
}

async function handle(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendRejection(res, { code: 'not_found' }, null);
    return;
  }
  switch (path) {
    case '/healthz':
      sendJson(res, 200, { status: 'ok' });
      return;
    case '/readyz': {
      const report = deps.readiness();
      sendJson(res, report.ready ? 200 : 503, report);
      return;
    }
    case '/metrics': {
      const text = await deps.metrics.text();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    default:
      sendRejection(res, { code: 'not_found' }, null);
  }
}
