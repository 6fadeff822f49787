import { describe, expect, it } from 'vitest';
import { LIVE_EDIT_HEADING, renderWalkthrough, WALKTHROUGH_HEADING, type WalkthroughInput } from '../../src/sandbox/walkthrough.js';

const input: WalkthroughInput = {
  proxyUrl: 'http://127.0.0.1:8080',
  adminUrl: 'http://127.0.0.1:9090',
  backendUrl: 'http://127.0.0.1:40000',
  oxdRestUrl: 'http://127.0.0.1:8553',
  oxdSocket: '127.0.0.1:8099',
  opHost: 'http://127.0.0.1:8553',
  claimDemands: [],
  cli: 'node dist/cli/main.js',
  iniPath: '.umagate-state/umagate.cfg',
  policyFile: 'policies.yaml',
  protectedPath: '/photo',
  publicPath: '/health',
  newPublicPath: '/hello',
};

const commands = (text: string): string[] => text.split('\n').filter((line) => /^ {4}\S/.test(line));

describe('renderWalkthrough', () => {
  it('says the dev oxd is not for production', () => {
    expect(renderWalkthrough(input)).toMatch(/NOT for production/);
  });

  it('names the dev AS pages and the claims it demands, outside the pasted commands', () => {
    const text = renderWalkthrough({ ...input, claimDemands: [{ scope: 'https://x/all', claim: 'email' }] });
    expect(text).toContain('  dev AS    http://127.0.0.1:8553   (op_host: sign-in, sign-out and claims-gathering pages)');
    expect(text).toContain('  need_info https://x/all is granted once email is known (claims gathering)');
    expect(commands(text)).toEqual(commands(renderWalkthrough(input)));
  });

  it('prints the RPT command with the ini and the captured ticket', () => {
    expect(renderWalkthrough(input)).toContain(
      '    RESULT=$(node dist/cli/main.js oxd uma-rp-get-rpt --oxd-config .umagate-state/umagate.cfg --ticket "$TICKET") && echo "$RESULT"',
    );
  });

  it('quotes a URL the shell would otherwise expand', () => {
    const text = renderWalkthrough({ ...input, protectedPath: '/photo?size=*' });
    expect(text).toContain("    curl -i 'http://127.0.0.1:8080/photo?size=*'");
  });

  it('leaves out the steps when no protected path takes GET, and the public step when there is no public path', () => {
    const text = renderWalkthrough({ ...input, protectedPath: null, publicPath: null });
    expect(text).toContain(`${WALKTHROUGH_HEADING}: none`);
    expect(commands(text)).toEqual([]);
  });

  it('only describes live edits when there is no uncovered path to demonstrate them with', () => {
    const text = renderWalkthrough({ ...input, newPublicPath: null });
    expect(text).toContain(LIVE_EDIT_HEADING);
    expect(text).not.toContain('public: true');
  });
});
