import type { BrowserWindowConstructorOptions } from 'electron';
import type { RendererLocation } from '../shell/renderer-location.ts';

/**
 * The capture window lives in its own in-memory session (no `persist:`), so the rules that let
 * it capture the screen's audio — a display-media handler and a permission handler that says
 * yes to `display-capture` — never apply to the main window, whose session refuses everything.
 */
export const CAPTURE_PARTITION = 'earshot-system-audio';

/**
 * A hidden window, isolated and sandboxed like the main one: no Node, web security on, no
 * webviews, its own preload (one verb: post) as the only bridge. Never shown, never focused,
 * not in the taskbar; background throttling off, because a hidden page's timers and audio
 * rendering must keep the 20 ms pace.
 */
export function buildCaptureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 1,
    height: 1,
    skipTaskbar: true,
    focusable: false,
    paintWhenInitiallyHidden: false,
    title: 'Earshot system audio',
    webPreferences: {
      preload: preloadPath,
      partition: CAPTURE_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
      backgroundThrottling: false,
      // The page plays nothing; what it captures must not be heard twice.
      autoplayPolicy: 'document-user-activation-required',
    },
  };
}

/** The capture page beside the main renderer: out/renderer/system-audio/index.html, or the dev server's. */
export function captureWindowUrl(renderer: RendererLocation): string {
  return new URL('system-audio/index.html', renderer.url).href;
}

/** Screens as desktopCapturer lists them (id "screen:…"), in its order. */
export interface ScreenSource {
  readonly id: string;
  readonly name: string;
}

export interface DisplayMediaAsk {
  /** The request came from the capture window's main frame. */
  readonly fromCapturePage: boolean;
  /** getDisplayMedia asked for audio (the page always does). */
  readonly audioRequested: boolean;
  readonly screens: readonly ScreenSource[];
}

export type DisplayMediaDecision =
  | { readonly grant: true; readonly screen: ScreenSource; readonly audio: 'loopback' }
  | { readonly grant: false; readonly reason: string };

/**
 * Who gets the computer's sound, and how. Only our capture page, only when it asks for audio.
 * Chromium's display-media API hands out audio only alongside a video source, so the first
 * screen goes with it (the page stops that track at once; see the thumbnails note in
 * display-media.ts). Audio is `loopback`, never `loopbackWithMute`: muting would silence the
 * call for the person in it.
 */
export function decideDisplayMedia(ask: DisplayMediaAsk): DisplayMediaDecision {
  if (!ask.fromCapturePage) return { grant: false, reason: 'the request did not come from the capture page' };
  if (!ask.audioRequested) return { grant: false, reason: 'the request asked for no audio' };
  const screen = ask.screens.find((s) => s.id.startsWith('screen:'));
  if (!screen) return { grant: false, reason: 'no screen source to carry the loopback audio' };
  return { grant: true, screen, audio: 'loopback' };
}
