/** The one code → status table, and the headers each rejection must carry. */
import { describe, expect, it } from 'vitest';
import { renderRejection, type Rejection } from '../../src/proxy/respond.js';

const rows: readonly { readonly rejection: Rejection; readonly status: number }[] = [
  { rejection: { code: 'bad_path', detail: 'dot segment' }, status: 400 },
  { rejection: { code: 'bad_request', detail: 'two Authorization headers' }, status: 400 },
  { rejection: { code: 'unprotected' }, status: 403 },
  { rejection: { code: 'uma_ticket', ticket: 't-1', wwwAuthenticate: 'UMA realm="rs",as_uri="https://op",error="insufficient_scope",ticket="t-1"' }, status: 401 },
  { rejection: { code: 'uma_forbidden' }, status: 403 },
  { rejection: { code: 'authorization_unavailable', retryAfterSeconds: 2 }, status: 503 },
  { rejection: { code: 'upstream_unreachable' }, status: 502 },
  { rejection: { code: 'upstream_timeout' }, status: 504 },
  { rejection: { code: 'not_found' }, status: 404 },
  { rejection: { code: 'internal_error' }, status: 500 },
];

describe('renderRejection', () => {
  it.each(rows)('$rejection.code → $status with a JSON {code, message} body', ({ rejection, status }) => {
    const rendered = renderRejection(rejection, 'req-1');
    expect(rendered.status).toBe(status);
    expect(rendered.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(rendered.headers['x-request-id']).toBe('req-1');
    const body = JSON.parse(rendered.body) as Record<string, string>;
    expect(body.code).toBe(rejection.code);
    expect(body.message).toEqual(expect.any(String));
    expect(rendered.headers['content-length']).toBe(String(Buffer.byteLength(rendered.body)));
  });

  it('uma_ticket carries oxd WWW-Authenticate verbatim and the ticket in the body', () => {
    const header = 'UMA realm="rs",as_uri="https://op",error="insufficient_scope",ticket="t-1"';
    const rendered = renderRejection({ code: 'uma_ticket', ticket: 't-1', wwwAuthenticate: header }, null);
    expect(rendered.headers['www-authenticate']).toBe(header);
    expect(JSON.parse(rendered.body)).toEqual({ code: 'uma_ticket', message: expect.any(String) as string, ticket: 't-1' });
  });

  it('uma_forbidden carries the UMA Warning header', () => {
    expect(renderRejection({ code: 'uma_forbidden' }, null).headers.warning).toBe('199 - "UMA Authorization Server Unreachable"');
  });

  it('authorization_unavailable carries Retry-After', () => {
    expect(renderRejection({ code: 'authorization_unavailable', retryAfterSeconds: 3 }, null).headers['retry-after']).toBe('3');
  });
});
