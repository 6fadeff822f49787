/**
 * Advisory class: dot segments (GHSA-p224-6x5r-fjpm, ory/oathkeeper; envoy CVE-2019-9901).
 * Attack: `/public/../admin` matched the *public* rule because the raw path was matched, while
 * the backend resolved the dots and served /admin. Percent-encoded dots (`%2e%2e`, WHATWG URL
 * treats them as dots; http-proxy-middleware#1168) and overlong UTF-8 (`%c0%ae`) hide the same
 * trick. umagate refuses every such target with 400 before matching; nothing is forwarded.
 */
import { describe, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('dot segments never reach matching or the backend', () => {
  it.each(['/public/../admin', '/public/./../admin', '/public/%2e%2e/admin', '/public/%2E%2e/admin', '/public/.%2e/admin', '/public/%c0%ae%c0%ae/admin', '/health/..', '/public/x/.'])(
    '%s → 400 bad_path',
    async (target) => {
      await expectRefused(harness(), target, 400, 'bad_path');
    },
  );
});
