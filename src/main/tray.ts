import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { join } from 'node:path';
import { createLogger } from '../platform/log/logger.ts';
import { trayIconStates, trayModel, type TrayIconState, type TrayModel } from './shell/tray-model.ts';
import { idleSnapshot, type SessionSnapshot } from '../shared/session.ts';

const log = createLogger('tray');

export interface TrayOptions {
  /** Folder holding tray/tray-<state>.png (+ @2x); see resources/README.md. */
  readonly resourcesDir: string;
  readonly onToggle: () => void;
  readonly onShowWindow: () => void;
  readonly onQuit: () => void;
}

/** What the tray currently shows, for tests and the end-to-end check. */
export interface TrayDescription {
  readonly icon: TrayIconState;
  readonly tooltip: string;
  readonly menu: readonly { readonly id: string; readonly label: string; readonly enabled: boolean }[];
}

export interface TrayController {
  /** Follows a session snapshot: icon, tooltip and the Start/Stop item. */
  update(snapshot: SessionSnapshot): void;
  /** A standing note under the status line (e.g. the global shortcut could not be set); null clears it. */
  setNotice(notice: string | null): void;
  /** While the local engine is down and being restarted, what the person should know; null clears it. */
  setEngineNotice(notice: string | null): void;
  describe(): TrayDescription;
  destroy(): void;
}

export function trayIconPath(resourcesDir: string, state: TrayIconState): string {
  // Electron picks tray-<state>@2x.png beside it on high-density displays.
  return join(resourcesDir, 'tray', `tray-${state}.png`);
}

/** The tray icon: always there while Earshot runs, even with the window hidden. */
export function setupTray(options: TrayOptions): TrayController {
  const images = new Map<TrayIconState, NativeImage>();
  for (const state of trayIconStates) {
    const image = nativeImage.createFromPath(trayIconPath(options.resourcesDir, state));
    if (image.isEmpty()) log.error(`tray icon missing: ${trayIconPath(options.resourcesDir, state)}`);
    images.set(state, image);
  }
  let model = trayModel(idleSnapshot());
  let notice: string | null = null;
  let engineNotice: string | null = null;
  const tray = new Tray(images.get(model.icon)!);
  // Windows and Linux: a click shows the window; macOS opens the menu, as people expect there.
  if (process.platform !== 'darwin') tray.on('click', () => options.onShowWindow());

  const template = (m: TrayModel): MenuItemConstructorOptions[] => [
    { id: 'status', label: m.status, enabled: false },
    ...(engineNotice === null ? [] : [{ id: 'engine', label: engineNotice, enabled: false }]),
    ...(notice === null ? [] : [{ id: 'notice', label: notice, enabled: false }]),
    { type: 'separator' },
    { id: 'toggle', label: m.toggle.label, enabled: m.toggle.enabled, click: () => options.onToggle() },
    { id: 'show', label: 'Show Earshot', click: () => options.onShowWindow() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Earshot', click: () => options.onQuit() },
  ];

  const apply = (next: TrayModel): void => {
    tray.setImage(images.get(next.icon)!);
    tray.setToolTip(next.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(template(next)));
    model = next;
  };
  apply(model);

  return {
    update: (snapshot) => {
      const next = trayModel(snapshot);
      // Snapshots arrive often (buffer levels change); rebuild only when something visible did.
      if (JSON.stringify(next) === JSON.stringify(model)) return;
      apply(next);
    },
    setNotice: (next) => {
      if (next === notice) return;
      notice = next;
      apply(model);
    },
    setEngineNotice: (next) => {
      if (next === engineNotice) return;
      engineNotice = next;
      apply(model);
    },
    describe: () => ({
      icon: model.icon,
      tooltip: model.tooltip,
      menu: template(model)
        .filter((item) => item.type !== 'separator')
        .map((item) => ({ id: item.id ?? '', label: item.label ?? '', enabled: item.enabled ?? true })),
    }),
    destroy: () => tray.destroy(),
  };
}
