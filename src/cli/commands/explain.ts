/** `umagate explain [--policy FILE] [--json] METHOD PATH`: offline, what the proxy would do. */
import type { Command } from 'commander';
import { explain, loadPolicy } from '../../policy/index.js';
import type { Explanation, Policy } from '../../policy/index.js';
import { reportFailure } from '../failure.js';
import { policyFlag } from '../shared-flags.js';

function consequence(e: Explanation, policy: Policy): string {
  switch (e.outcome) {
    case 'bad_path':
      return `400 bad_path — ${e.reason ?? ''}`;
    case 'public':
      return 'forwarded with no check (public)';
    case 'unprotected':
      return policy.unprotected === 'deny' ? '403 unprotected (matches no resource; unprotected: deny)' : 'forwarded (matches no resource; unprotected: allow)';
    case 'protected':
      return 'checked with oxd; forwarded only if granted';
  }
}

function humanReadable(e: Explanation, policy: Policy, rawTarget: string): string {
  const lines = [`${e.method} ${rawTarget}`];
  if (e.path !== undefined && e.path !== rawTarget) lines.push(`  canonical: ${e.path}`);
  if (e.pattern !== null) lines.push(`  resource:  ${e.pattern} (${e.outcome})`);
  lines.push(`  outcome:   ${consequence(e, policy)}`);
  if (e.outcome === 'protected' && e.pattern !== null) {
    lines.push(`  scopes:    ${e.scopes.join(', ')}`);
    lines.push(`  oxd:       uma_rs_check_access path=${JSON.stringify(e.pattern)} http_method=${JSON.stringify(e.method)}`);
  }
  if (e.readings !== undefined) {
    lines.push('  readings:  a trailing slash is checked with and without it; every reading must allow:');
    for (const r of e.readings) lines.push(`             ${r.matchPath} → ${r.outcome}${r.pattern === null ? '' : ` ${r.pattern}`}`);
  }
  return lines.join('\n');
}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('show which resource a request matches and what oxd will be asked (offline)')
    .argument('<method>', 'HTTP method, case-sensitive (GET, POST, …)')
    .argument('<path>', 'request target as a client would send it, e.g. /photos/1?x=2')
    .addOption(policyFlag())
    .option('--json', 'print one JSON object')
    .action(async (method: string, path: string, options: { policy: string; json?: true }) => {
      let policy: Policy;
      try {
        policy = await loadPolicy(options.policy);
      } catch (err) {
        reportFailure(err);
        return;
      }
      const explanation = explain(policy, method, path);
      process.stdout.write(`${options.json === true ? JSON.stringify(explanation) : humanReadable(explanation, policy, path)}\n`);
    });
}
