import { app } from 'electron';
import { createLogger, setLogSink, type LogLevel } from '../platform/log/logger.ts';
import { createRotatingFileSink, RotatingFile } from '../platform/log/rotating-file.ts';

const log = createLogger('main');

/**
 * Every scoped logger in main (and the child processes' forwarded lines) goes to a rotating
 * file in the OS log folder (~/Library/Logs/Earshot, %APPDATA%\Earshot\logs,
 * ~/.config/Earshot/logs): 5 files of 5 MB. Development builds echo to the terminal too.
 */
export function setupLogging(): RotatingFile {
  const file = new RotatingFile({
    dir: app.getPath('logs'),
    fileName: 'earshot.log',
    maxBytes: 5 * 1024 * 1024,
    maxFiles: 5,
  });
  const wanted = process.env['EARSHOT_LOG'];
  const level: LogLevel = wanted === 'debug' || wanted === 'warn' || wanted === 'error' ? wanted : 'info';
  const echo = app.isPackaged ? undefined : (line: string): void => void process.stdout.write(`${line}\n`);
  setLogSink(createRotatingFileSink(file, echo), level);
  process.on('uncaughtException', (error) => log.error('uncaught exception', error));
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', reason));
  log.info(
    `Earshot ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform}/${process.arch})`,
  );
  return file;
}
