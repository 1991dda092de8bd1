/**
 * A second process for the data-folder lock tests: `node tests/helpers/lock-holder.ts DIR KIND`
 * takes the lock on DIR as KIND and prints one JSON line, {"event":"locked"} or
 * {"event":"refused","code":…,"message":…}; a holder keeps the lock until its stdin closes
 * (or it is killed, which is how a test makes a stale lock).
 */
import { acquireDirLock } from '../../src/platform/fs/dir-lock.ts';
import { EarshotError } from '../../src/shared/errors.ts';

const [dir, kind] = process.argv.slice(2);
if (!dir || !kind) throw new Error('usage: lock-holder.ts DIR KIND');

try {
  const lock = acquireDirLock(dir, { kind, stopHint: `stop the ${kind}`, alternative: 'use --data-dir DIR' });
  process.stdout.write(`${JSON.stringify({ event: 'locked', pid: process.pid })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    process.exit(0);
  });
} catch (error) {
  if (!(error instanceof EarshotError)) throw error;
  process.stdout.write(`${JSON.stringify({ event: 'refused', code: error.code, message: error.message })}\n`);
  process.exit(0);
}
