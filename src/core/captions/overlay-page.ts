import { createHash } from 'node:crypto';
import { formatCsp } from '../../shared/csp.ts';
import { OVERLAY_SCRIPT } from './overlay-script.ts';

/**
 * The overlay page for OBS browser sources and second screens: one self-contained HTML
 * document. Its CSP allows only this exact inline style and script (by hash) and
 * connections back to the page's own origin, so nothing injected can run or phone home.
 */

const OVERLAY_STYLE = `
:root {
  --size: 48px;
  --lines: 2;
  --line-height: 1.25;
  --color: #ffffff;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; overflow: hidden; }
body {
  background: #000;
  color: var(--color);
  font-family: var(--font);
  display: flex;
  flex-direction: column;
  justify-content: flex-end;
  padding: 2vh 4vw;
}
body[data-transparent="true"] { background: transparent; }
body[data-position="top"] { justify-content: flex-start; }
body[data-position="middle"] { justify-content: center; }
body[data-align="left"] { align-items: flex-start; text-align: left; }
body[data-align="center"] { align-items: center; text-align: center; }
body[data-align="right"] { align-items: flex-end; text-align: right; }
#captions {
  max-width: 100%;
  font-size: var(--size);
  line-height: var(--line-height);
  font-weight: 600;
  padding: 0.1em 0.4em;
  border-radius: 0.15em;
  overflow-wrap: anywhere;
}
/* Shows only the newest lines: text sits at the bottom and older lines overflow the top, clipped. */
#window {
  max-height: calc(var(--lines) * var(--line-height) * 1em);
  overflow: hidden;
  display: flex;
  flex-direction: column;
  justify-content: flex-end;
}
body[data-box="true"] #captions { background: rgba(0, 0, 0, 0.72); }
body[data-box="false"] #captions {
  text-shadow: 0 0 0.08em #000, 0 0 0.08em #000, 0.04em 0.04em 0.06em #000, -0.04em -0.04em 0.06em #000;
}
body[data-empty="true"] #captions { visibility: hidden; }
#text { margin: 0; }
#partial { opacity: 0.6; font-weight: 400; }
.speaker { font-weight: 800; opacity: 0.85; }
.speaker[data-source="mic"] { color: #ffd27a; }
.speaker[data-source="system"] { color: #8fd3ff; }
#notice {
  position: fixed; left: 1em; top: 1em; right: 1em;
  font: 16px/1.4 var(--font); color: #fff; background: rgba(160, 20, 20, 0.85);
  padding: 0.5em 0.8em; border-radius: 0.3em;
}
#notice[hidden] { display: none; }
`;

function sha256Source(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/**
 * Its own policy, not the renderer's: this page has no bundle, so scripts and styles are
 * pinned by hash instead of 'self'; only the syntax is shared.
 */
export const OVERLAY_CSP = formatCsp({
  'default-src': ["'none'"],
  'script-src': [sha256Source(OVERLAY_SCRIPT)],
  'style-src': [sha256Source(OVERLAY_STYLE)],
  // 'self' covers ws:// and wss:// to the same host and port (CSP Level 3).
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
});

export const OVERLAY_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Earshot captions</title>
<style>${OVERLAY_STYLE}</style>
</head>
<body data-empty="true">
<div id="notice" role="alert" hidden></div>
<div id="captions" aria-live="polite"><div id="window"><p id="text"><span id="finals"></span><span id="partial"></span></p></div></div>
<script>${OVERLAY_SCRIPT}</script>
</body>
</html>
`;

export const UNAUTHORIZED_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Earshot captions: wrong token</title></head>
<body><p>This overlay URL has a missing or wrong token. Copy the overlay URL from Earshot again.</p></body></html>
`;
