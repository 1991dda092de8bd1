import type { ExportFormat } from '../../../shared/transcript.ts';

const MIME: Record<ExportFormat, string> = {
  txt: 'text/plain;charset=utf-8',
  srt: 'application/x-subrip;charset=utf-8',
  vtt: 'text/vtt;charset=utf-8',
  json: 'application/json;charset=utf-8',
};

/**
 * Hands text to the browser's save path through a Blob link. In Electron, main's
 * `will-download` handler turns this into a save dialog; in a browser it is a download.
 * The renderer never touches the file system itself.
 */
export function saveText(fileName: string, text: string, format: ExportFormat, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([text], { type: MIME[format] }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some engines; a later task is safe.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
