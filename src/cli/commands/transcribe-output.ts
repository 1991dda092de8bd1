import type { DeviceInfo, DeviceLost, HealthWarning } from '../../shared/devices.ts';
import { offlineStatus, type SessionSnapshot, type SessionState } from '../../shared/session.ts';
import { speakerLabel, type SpeakerSource, type TranscriptEvent } from '../../shared/transcript.ts';
import type { CliIo } from '../command.ts';

/** What the microphone reported while transcribing. */
export type DeviceNotice =
  | { readonly kind: 'lost'; readonly lost: DeviceLost }
  | { readonly kind: 'restored'; readonly device: DeviceInfo }
  | { readonly kind: 'health'; readonly warning: HealthWarning };

/**
 * What `transcribe` prints. jsonl: every transcript event and state change as one JSON line
 * on stdout. text: finals one per line on stdout; on a terminal the partial is redrawn in
 * place on the last line; notices go to stderr.
 */
export class TranscriptPrinter {
  readonly #io: CliIo;
  readonly #format: 'text' | 'jsonl';
  readonly #tty: boolean;
  #state: SessionState | null = null;
  #partialShown = false;
  /** What the last offline notice said (per whole minute buffered), so it repeats once a minute, not once a second. */
  #offlineShown: string | null = null;

  constructor(io: CliIo, format: 'text' | 'jsonl') {
    this.#io = io;
    this.#format = format;
    this.#tty = io.stdout.isTTY === true;
  }

  transcript(event: TranscriptEvent): void {
    if (this.#format === 'jsonl') {
      this.#json({
        type: event.isFinal ? 'final' : 'partial',
        segmentId: event.segmentId,
        text: event.text,
        ...(event.startMs === undefined ? {} : { startMs: event.startMs }),
        ...(event.endMs === undefined ? {} : { endMs: event.endMs }),
        ...(event.words ? { words: event.words } : {}),
        ...(event.provider ? { provider: event.provider } : {}),
        ...(event.source ? { source: event.source } : {}),
      });
      return;
    }
    // Meeting mode names the speaker: "You: …" / "Others: …".
    const text = event.source ? `${speakerLabel(event.source)}: ${event.text}` : event.text;
    if (event.isFinal) {
      this.#clearPartial();
      this.#io.stdout.write(`${text}\n`);
    } else if (this.#tty) {
      // \r + erase line: the partial grows in place until its final replaces it.
      this.#io.stdout.write(`\r\x1b[2K${text}`);
      this.#partialShown = event.text.length > 0;
    }
  }

  state(snapshot: SessionSnapshot): void {
    this.#offline(snapshot);
    if (snapshot.state === this.#state) return;
    this.#state = snapshot.state;
    if (this.#format === 'jsonl') {
      this.#json({
        type: 'state',
        state: snapshot.state,
        sessionId: snapshot.sessionId,
        reconnectAttempt: snapshot.reconnectAttempt,
        ...(snapshot.error ? { error: snapshot.error } : {}),
      });
    } else if (snapshot.state === 'reconnecting') {
      this.#notice(`note: connection lost; reconnecting (attempt ${snapshot.reconnectAttempt}) — no audio is lost.`);
    }
  }

  /**
   * A long outage: "offline — still recording, N min buffered" once a minute (jsonl: an `offline`
   * line with the figures), the switch to this computer's model, and the return.
   */
  #offline(snapshot: SessionSnapshot): void {
    const line = offlineStatus(snapshot);
    const shown =
      line === null ? null : snapshot.state === 'reconnecting' ? `${Math.floor(snapshot.bufferedMs / 60_000)}` : line;
    if (shown === this.#offlineShown) return;
    const wasOffline = this.#offlineShown !== null;
    this.#offlineShown = shown;
    if (this.#format === 'jsonl') {
      this.#json({
        type: 'offline',
        offline: line !== null,
        ...(line ? { status: line } : {}),
        bufferedMs: snapshot.bufferedMs,
        spilledMs: snapshot.spilledMs ?? 0,
        servingProvider: snapshot.servingProvider ?? snapshot.provider,
      });
    } else if (line) {
      this.#notice(`note: ${line}.`);
    } else if (wasOffline) {
      this.#notice('note: the service is back; the buffered audio is being sent and the transcript catches up.');
    }
  }

  warning(warning: { code: string; message: string }): void {
    if (this.#format === 'jsonl') this.#json({ type: 'warning', ...warning });
    else this.#notice(`warning[${warning.code}]: ${warning.message}`);
  }

  /**
   * Microphone events. jsonl: a lost device is a `warning` with code DEVICE_LOST (and the
   * fallback in use), so scripts watching warnings see it; a return is a `device` line; input
   * health is a `health` line. text: notices on stderr.
   */
  device(notice: DeviceNotice, source?: SpeakerSource): void {
    if (this.#format === 'jsonl') {
      const from = source ? { source } : {};
      switch (notice.kind) {
        case 'lost':
          this.#json({ type: 'warning', code: 'DEVICE_LOST', ...notice.lost, ...from });
          return;
        case 'restored':
          this.#json({ type: 'device', event: 'restored', key: notice.device.key, name: notice.device.name, ...from });
          return;
        case 'health':
          this.#json({ type: 'health', ...notice.warning, ...from });
          return;
      }
    }
    const which = source === 'system' ? 'system audio: ' : source === 'mic' ? 'microphone: ' : '';
    switch (notice.kind) {
      case 'lost':
        this.#notice(`warning: ${which}${notice.lost.message}`);
        return;
      case 'restored':
        this.#notice(`note: ${which}“${notice.device.name}” is back; transcribing from it again.`);
        return;
      case 'health':
        this.#notice(`${notice.warning.active ? 'warning' : 'note'}: ${which}${notice.warning.message}`);
        return;
    }
  }

  recovered(sessionId: string, finals: number, path: string): void {
    if (this.#format === 'jsonl') this.#json({ type: 'recovered', sessionId, finals, path });
    else this.#notice(`note: recovered interrupted session ${sessionId} (${finals} finals) from ${path}`);
  }

  end(journalPath: string | null): void {
    this.#clearPartial();
    if (this.#format === 'text' && journalPath) this.#notice(`note: transcript journal: ${journalPath}`);
  }

  #json(value: unknown): void {
    this.#io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  #notice(line: string): void {
    this.#clearPartial();
    this.#io.stderr.write(`${line}\n`);
  }

  #clearPartial(): void {
    if (!this.#partialShown) return;
    this.#io.stdout.write('\r\x1b[2K');
    this.#partialShown = false;
  }
}
