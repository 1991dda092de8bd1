import { formatLogRecord, setLogSink, type LogLevel } from '../platform/log/logger.ts';

/** The CLI logs to stderr, quietly by default: `EARSHOT_LOG=debug|info|warn|error`. */
export function installCliLogging(env: NodeJS.ProcessEnv): void {
  const wanted = env['EARSHOT_LOG'];
  const level: LogLevel = wanted === 'debug' || wanted === 'info' || wanted === 'error' ? wanted : 'warn';
  setLogSink((record) => process.stderr.write(`${formatLogRecord(record)}\n`), level);
}
