import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/errors.ts';
import { crashPageCsp, crashPageHtml, crashPageUrl, isReloadRequest, RELOAD_FRAGMENT } from './crash-page.ts';

const details = { reason: 'crashed', exitCode: 139, crashes: 4, logFile: '/home/a/.config/Earshot/logs/earshot.log' };

describe('the crash page', () => {
  it('is a self-contained data: URL that says what happened and offers Reload', () => {
    const url = crashPageUrl(details);
    expect(url).toMatch(/^data:text\/html;charset=utf-8;base64,/);
    const html = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').toString('utf8');
    expect(html).toBe(crashPageHtml(details));
    expect(html).toContain(errorMessage('RENDERER_CRASHED'));
    expect(html).toContain('4 times in a row (crashed, exit code 139)');
    expect(html).toContain('/home/a/.config/Earshot/logs/earshot.log');
    expect(html).toContain(`<a class="button" href="${RELOAD_FRAGMENT}" autofocus>Reload</a>`);
  });

  it('runs no script, loads nothing, and allows only its own style, by hash', () => {
    const csp = crashPageCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'none'");
    expect(csp).not.toContain('unsafe');
    const html = crashPageHtml(details);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    const style = /<style>([^<]*)<\/style>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
  });

  it('escapes what it is told, so a reason or path cannot inject markup', () => {
    const html = crashPageHtml({ ...details, reason: '<img src=x>', logFile: '/tmp/"><script>' });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&#60;img src=x&#62;');
  });

  it('recognizes only its own Reload link being followed', () => {
    const url = crashPageUrl(details);
    expect(isReloadRequest(`${url}${RELOAD_FRAGMENT}`)).toBe(true);
    expect(isReloadRequest(url)).toBe(false);
    expect(isReloadRequest(`${url}#other`)).toBe(false);
    expect(isReloadRequest('file:///app/out/renderer/index.html#reload')).toBe(false);
    expect(isReloadRequest('https://example.com/#reload')).toBe(false);
    expect(isReloadRequest(undefined)).toBe(false);
  });
});
