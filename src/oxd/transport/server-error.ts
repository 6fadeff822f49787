import { OxdError } from '../errors.js';
import { isRecord } from '../../common/json.js';

interface ServerErrorContext {
  readonly command: string;
  readonly status?: number;
  /** Overrides the body's own `details` (HTTP bare bodies keep the whole body, e.g. need_info). */
  readonly details?: unknown;
}

/**
 * oxd's own error `{error, error_description, details}` as an `OxdError` carrying oxd's code,
 * or null when `body` is not shaped like one.
 */
export function serverError(body: unknown, context: ServerErrorContext): OxdError | null {
  if (!isRecord(body) || typeof body.error !== 'string' || body.error === '') return null;
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const details = 'details' in context ? context.details : body.details;
  const said = description === undefined ? '' : `: ${description}`;
  const message = `oxd answered ${context.command} with ${body.error}${said}`;
  return new OxdError(body.error, message, {
    command: context.command,
    details,
    ...(description === undefined ? {} : { description }),
    ...(context.status === undefined ? {} : { status: context.status }),
  });
}

export function badResponse(
  command: string,
  message: string,
  extra: { readonly status?: number; readonly cause?: unknown } = {},
): OxdError {
  return new OxdError('oxd_bad_response', `oxd answered ${command} with ${message}`, { command, ...extra });
}
