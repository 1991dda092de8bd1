/**
 * The overlay page's script, as text: the page is served by the captions server with a
 * strict CSP that allows exactly this script by its hash, so it must be inline and fixed.
 * Everything a person configures comes from the page's query string at run time.
 *
 * Query parameters: token (required), size (px, 12–200, default 48), lines (1–10, default 2),
 * position (top | middle | bottom), align (left | center | right), transparent (1 = no
 * page background, for OBS), box (0 = no dark box behind the text, outline instead),
 * color (#rgb or #rrggbb), font (a family name).
 *
 * Meeting-mode segments carry `source`; the overlay names the speaker ("You:", "Others:") in a
 * `.speaker` span wherever the speaker changes.
 *
 * `document.body.dataset.connection` (connecting | open | unauthorized) and `.session`
 * expose the state for tests and for people inspecting the page.
 */
export const OVERLAY_SCRIPT = String.raw`(() => {
  'use strict';
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || '';
  const clamp = (name, fallback, min, max) => {
    const value = Number(params.get(name));
    return params.has(name) && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
  };
  const pick = (name, allowed, fallback) => (allowed.includes(params.get(name)) ? params.get(name) : fallback);
  const truthy = (name) => ['1', 'true', 'yes'].includes((params.get(name) || '').toLowerCase());

  const body = document.body;
  const rootStyle = document.documentElement.style;
  rootStyle.setProperty('--size', clamp('size', 48, 12, 200) + 'px');
  rootStyle.setProperty('--lines', String(Math.round(clamp('lines', 2, 1, 10))));
  const color = params.get('color') || '';
  if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color)) rootStyle.setProperty('--color', color);
  const font = params.get('font') || '';
  if (/^[A-Za-z0-9 -]{1,64}$/.test(font)) rootStyle.setProperty('--font', '"' + font + '", ' + getComputedStyle(document.documentElement).getPropertyValue('--font'));
  body.dataset.position = pick('position', ['top', 'middle', 'bottom'], 'bottom');
  body.dataset.align = pick('align', ['left', 'center', 'right'], 'center');
  body.dataset.transparent = String(truthy('transparent') || params.get('bg') === 'transparent');
  body.dataset.box = String(params.get('box') !== '0');
  body.dataset.connection = 'connecting';
  body.dataset.session = 'idle';

  const finalsEl = document.getElementById('finals');
  const partialEl = document.getElementById('partial');
  const noticeEl = document.getElementById('notice');
  // Enough text to fill any number of lines we allow; older finals are gone from view anyway.
  const KEEP_FINALS = 30;
  let finals = [];
  let partial = null;

  // Meeting mode: a segment's source says who spoke; the name is written where the speaker changes.
  const SPEAKERS = { mic: 'You', system: 'Others' };
  const speakerOf = (s) => (s && Object.hasOwn(SPEAKERS, s.source) ? s.source : null);
  // The name the person gave the speaker in Earshot (\`speaker\`), else the default.
  const speakerEl = (source, segment) => {
    const el = document.createElement('span');
    el.className = 'speaker';
    el.dataset.source = source;
    el.textContent = (typeof segment.speaker === 'string' && segment.speaker.trim() ? segment.speaker.trim() : SPEAKERS[source]) + ': ';
    return el;
  };

  const render = () => {
    const parts = [];
    let last = null;
    for (const s of finals) {
      const text = String(s.text || '').trim();
      if (!text) continue;
      const source = speakerOf(s);
      if (parts.length > 0) parts.push(' ');
      if (source && source !== last) parts.push(speakerEl(source, s));
      last = source || last;
      parts.push(text);
    }
    finalsEl.replaceChildren(...parts);
    const partialText = partial ? String(partial.text || '').trim() : '';
    const partialSource = speakerOf(partial);
    const partialParts = [];
    if (partialText && parts.length > 0) partialParts.push(' ');
    if (partialText && partialSource && partialSource !== last) partialParts.push(speakerEl(partialSource, partial));
    if (partialText) partialParts.push(partialText);
    partialEl.replaceChildren(...partialParts);
    body.dataset.empty = String(parts.length === 0 && !partialText);
  };

  const applySegment = (s) => {
    const empty = !String(s.text || '').trim();
    if (s.final) {
      const at = finals.findIndex((f) => f.id === s.id);
      if (at >= 0 && empty) finals.splice(at, 1);
      else if (at >= 0) finals[at] = s;
      else if (!empty) finals.push(s);
      if (finals.length > KEEP_FINALS) finals = finals.slice(-KEEP_FINALS);
      if (partial && partial.id === s.id) partial = null;
    } else if (!finals.some((f) => f.id === s.id)) {
      partial = empty ? null : s; // an empty partial withdraws the one in flight
    }
  };

  const handle = (message) => {
    switch (message.type) {
      case 'snapshot':
        finals = Array.isArray(message.segments) ? message.segments.slice(-KEEP_FINALS) : [];
        partial = message.partial || null;
        body.dataset.session = message.state || 'idle';
        break;
      case 'segment':
        applySegment(message);
        break;
      case 'session':
        body.dataset.session = message.state;
        if (message.state === 'starting') { finals = []; partial = null; }
        if (message.state === 'idle' || message.state === 'error') partial = null;
        break;
      default:
        return; // pong, or a message type from a newer server
    }
    render();
  };

  const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/captions';
  let attempt = 0;
  let socket = null;
  let watchdog = 0;
  let awaitingPong = false;

  const showNotice = (text) => { noticeEl.textContent = text; noticeEl.hidden = !text; };

  const connect = () => {
    body.dataset.connection = 'connecting';
    let opened = false;
    socket = new WebSocket(wsUrl, ['earshot-captions', 'earshot-token.' + token]);
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      body.dataset.connection = 'open';
      showNotice('');
      awaitingPong = false;
      // The server pings us, but a browser cannot see those: our own ping notices a server
      // that vanished without closing (a laptop asleep, a cable pulled).
      watchdog = setInterval(() => {
        if (awaitingPong) { socket.close(); return; }
        awaitingPong = true;
        socket.send('{"type":"ping"}');
      }, 10000);
    };
    socket.onmessage = (event) => {
      awaitingPong = false;
      try { handle(JSON.parse(event.data)); } catch (error) { console.warn('earshot overlay: bad message', error); }
    };
    socket.onclose = () => {
      clearInterval(watchdog);
      if (!opened) checkAuthorization();
      body.dataset.connection = body.dataset.connection === 'unauthorized' ? 'unauthorized' : 'connecting';
      const delay = Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt = Math.min(attempt + 1, 5);
      setTimeout(connect, delay);
    };
  };

  // A WebSocket that fails its handshake tells the page nothing; asking for this page again does.
  const checkAuthorization = () => {
    fetch(location.href, { method: 'HEAD', cache: 'no-store' }).then((response) => {
      if (response.status === 401) {
        body.dataset.connection = 'unauthorized';
        showNotice('Earshot captions: this overlay URL has an old or wrong token. Copy the overlay URL from Earshot again.');
      }
    }, () => { /* the server is down: keep retrying quietly */ });
  };

  render();
  connect();
})();
`;
