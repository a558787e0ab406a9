// Suites that need a runtime (Wine, Chromium) skip loudly on a developer's machine when it is
// missing, and fail under CI=true, where a missing runtime is a broken set-up.
import { spawnSync } from 'node:child_process';

export function runtimeMissing(name: string, probe: string[]): string | undefined {
  const result = spawnSync(probe[0], probe.slice(1), { stdio: 'ignore' });
  if (result.status === 0) return undefined;
  const reason = `${name} is not available (\`${probe.join(' ')}\` failed)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must install it (see .ci/run)`);
  process.stderr.write(`\n!!! SKIPPING the ${name} suite: ${reason}. Install it to run these tests. !!!\n\n`);
  return reason;
}
