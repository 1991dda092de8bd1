import { offlineStatus, type SessionSnapshot } from '../../shared/session.ts';

export const trayIconStates = ['idle', 'listening', 'error'] as const;
export type TrayIconState = (typeof trayIconStates)[number];

/** What the tray shows for one session snapshot; main turns it into an icon and a menu. */
export interface TrayModel {
  readonly icon: TrayIconState;
  /** One line of status, shown as the first (disabled) menu item. */
  readonly status: string;
  readonly tooltip: string;
  readonly toggle: { readonly label: string; readonly enabled: boolean };
}

const START = 'Start listening';
const STOP = 'Stop listening';
/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

export function trayModel(snapshot: SessionSnapshot): TrayModel {
  const { icon, status, toggle } = describe(snapshot);
  return { icon, status, toggle, tooltip: clip(`Earshot — ${status}`, TOOLTIP_MAX) };
}

function describe(snapshot: SessionSnapshot): Omit<TrayModel, 'tooltip'> {
  const offline = offlineStatus(snapshot);
  if (offline) return { icon: 'listening', status: offline, toggle: { label: STOP, enabled: true } };
  switch (snapshot.state) {
    case 'idle':
      return { icon: 'idle', status: 'Not listening', toggle: { label: START, enabled: true } };
    case 'starting':
      return { icon: 'listening', status: 'Starting…', toggle: { label: STOP, enabled: true } };
    case 'streaming':
      return {
        icon: 'listening',
        status: listeningStatus(snapshot),
        toggle: { label: STOP, enabled: true },
      };
    case 'reconnecting':
      return {
        icon: 'listening',
        status: `Reconnecting (attempt ${snapshot.reconnectAttempt})…`,
        toggle: { label: STOP, enabled: true },
      };
    case 'stopping':
      return { icon: 'listening', status: 'Finishing the last words…', toggle: { label: 'Stopping…', enabled: false } };
    case 'error':
      return {
        icon: 'error',
        status: `Error: ${clip(snapshot.error?.message ?? 'transcription stopped', 80)}`,
        toggle: { label: START, enabled: true },
      };
  }
}

/** "Listening — Headset", and in meeting mode "… + system audio" (with its state when it is not streaming). */
function listeningStatus(snapshot: SessionSnapshot): string {
  const system = snapshot.system;
  if (!system) return snapshot.deviceName ? `Listening — ${clip(snapshot.deviceName, 60)}` : 'Listening';
  const mic = snapshot.deviceName ? clip(snapshot.deviceName, 40) : 'microphone';
  const other = system.state === 'streaming' ? 'system audio' : `system audio ${system.state}`;
  return `Listening — ${mic} + ${other}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
