import { desktopCapturer, type Session, type WebContents, type WebFrameMain } from 'electron';
import { createLogger } from '../../platform/log/logger.ts';
import { buildCaptureCsp } from '../../shared/system-audio/capture-csp.ts';
import { decideDisplayMedia } from './capture-window-options.ts';

const log = createLogger('system-audio');

/**
 * Electron's display-media route to system audio (electronjs.org/docs/latest/api/desktop-capturer
 * and session.setDisplayMediaRequestHandler): when the capture page calls getDisplayMedia, this
 * handler answers with a screen from desktopCapturer and `audio: 'loopback'`. On Windows
 * Chromium opens a WASAPI loopback stream of the default output; on macOS it uses
 * ScreenCaptureKit (13+) or a Core Audio tap (14.2+, needs NSAudioCaptureUsageDescription in
 * Info.plist: electron/electron#49717). The system picker is off: it would ask the person to
 * pick a screen they never see, and Electron skips this handler when it is used.
 */
export interface CapturePageCheck {
  /** The frame is the capture window's main frame (not a subframe, not another window). */
  isCaptureFrame(frame: WebFrameMain | null): boolean;
  isCaptureContents(contents: WebContents | null): boolean;
}

export function setupCaptureSession(session: Session, page: CapturePageCheck): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const fromCapturePage = page.isCaptureFrame(request.frame);
      // Thumbnails of size 0: the sources are only named, no screenshot is ever taken.
      desktopCapturer
        .getSources({ types: ['screen'], thumbnailSize: { width: 0, height: 0 } })
        .then((sources) => {
          const decision = decideDisplayMedia({
            fromCapturePage,
            audioRequested: request.audioRequested,
            screens: sources.map((s) => ({ id: s.id, name: s.name })),
          });
          if (!decision.grant) {
            log.warn(`refused a display-media request: ${decision.reason}`);
            callback(null);
            return;
          }
          const video = sources.find((s) => s.id === decision.screen.id);
          callback(video ? { video, audio: decision.audio } : null);
        })
        .catch((error: unknown) => {
          log.error('desktopCapturer could not list the screens', error);
          callback(null);
        });
    },
    { useSystemPicker: false },
  );
  // getDisplayMedia first asks the permission handlers for `display-capture`; only the capture
  // page gets a yes, and nothing else in this session is ever allowed.
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(permission === 'display-capture' && page.isCaptureContents(contents));
  });
  session.setPermissionCheckHandler(
    (contents, permission) => permission === 'display-capture' && page.isCaptureContents(contents),
  );
  session.setDevicePermissionHandler(() => false);
  const csp = buildCaptureCsp('header');
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}
