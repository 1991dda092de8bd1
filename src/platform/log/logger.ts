/**
 * Scoped loggers: `createLogger('capture-host')` prefixes every line with its scope.
 * Where lines go is decided once by the front end (a rotating file in the app, stderr in
 * the CLI) through `setLogSink`; libraries only ever call `createLogger`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  readonly time: number;
  readonly level: LogLevel;
  readonly scope: string;
  readonly message: string;
  readonly data?: unknown;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
  child(scope: string): Logger;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let sink: LogSink = () => {};
let threshold: LogLevel = 'info';

export function setLogSink(next: LogSink, minLevel: LogLevel = 'info'): void {
  sink = next;
  threshold = minLevel;
}

export function createLogger(scope: string): Logger {
  const emit = (level: LogLevel, message: string, data?: unknown): void => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[threshold]) return;
    sink({ time: Date.now(), level, scope, message, ...(data === undefined ? {} : { data: serializable(data) }) });
  };
  return {
    debug: (m, d) => emit('debug', m, d),
    info: (m, d) => emit('info', m, d),
    warn: (m, d) => emit('warn', m, d),
    error: (m, d) => emit('error', m, d),
    child: (sub) => createLogger(`${scope}:${sub}`),
  };
}

/** Errors do not survive JSON or structured clone with their stack; flatten them first. */
function serializable(data: unknown): unknown {
  if (data instanceof Error) return { name: data.name, message: data.message, stack: data.stack };
  return data;
}

export function formatLogRecord(record: LogRecord): string {
  const data = record.data === undefined ? '' : ` ${JSON.stringify(record.data)}`;
  return `${new Date(record.time).toISOString()} ${record.level.toUpperCase().padEnd(5)} [${record.scope}] ${record.message}${data}`;
}
