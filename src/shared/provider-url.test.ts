import { describe, expect, it } from 'vitest';
import { checkProviderUrl, providerOrigin, realtimeEndpoint } from './provider-url.ts';
import { settingsPatchSchema, settingsSchema } from './settings.ts';

function problem(raw: string): string {
  const checked = checkProviderUrl(raw);
  if (checked.ok) throw new Error(`${raw} was accepted`);
  return checked.problem;
}

describe('provider URLs', () => {
  it('accepts ws, wss, http and https, reading http(s) as ws(s)', () => {
    expect(checkProviderUrl('wss://api.example.org/v1/realtime')).toMatchObject({
      ok: true,
      origin: 'wss://api.example.org',
    });
    expect(checkProviderUrl(' http://127.0.0.1:8080 ')).toEqual({
      ok: true,
      url: 'ws://127.0.0.1:8080/',
      origin: 'ws://127.0.0.1:8080',
    });
    expect(checkProviderUrl('https://Host.Example:443/x')).toMatchObject({ ok: true, url: 'wss://host.example/x' });
  });

  it('refuses other schemes, unix sockets among them, saying which schemes work', () => {
    expect(problem('ws+unix:///run/docker.sock:/v1')).toMatch(
      /must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\/, not ws\+unix:/,
    );
    expect(problem('file:///etc/passwd')).toMatch(/not file:/);
    expect(problem('ftp://example.org')).toMatch(/not ftp:/);
    expect(problem('javascript:alert(1)')).toMatch(/must start with/);
  });

  it('refuses credentials in the address and says where the key goes', () => {
    expect(problem('wss://user:secret@example.org/v1')).toMatch(/user name or password.*API key field/);
    expect(problem('ws://token@127.0.0.1:9000')).toMatch(/user name or password/);
  });

  it('refuses what is not an address', () => {
    expect(problem('example.org/v1/realtime')).toMatch(/is not a web address\. Use one like wss:\/\//);
    expect(problem('')).toMatch(/not a web address/);
  });

  it('compares origins with default ports dropped and http(s) read as ws(s)', () => {
    expect(providerOrigin('https://example.org:443/a')).toBe(providerOrigin('wss://EXAMPLE.org/b'));
    expect(providerOrigin('ws://127.0.0.1:8080')).not.toBe(providerOrigin('ws://127.0.0.1:8081'));
    expect(providerOrigin('ws+unix:///x')).toBeNull();
  });

  it('is checked when settings are saved, and an empty URL (not set yet) is allowed', () => {
    expect(settingsPatchSchema.safeParse({ compatibleUrl: '' }).success).toBe(true);
    expect(settingsPatchSchema.safeParse({ compatibleUrl: 'wss://x.example/v1' }).success).toBe(true);
    const bad = settingsPatchSchema.safeParse({ compatibleUrl: 'ws+unix:///var/run/docker.sock' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/must start with wss:\/\//);
    expect(settingsSchema.safeParse({ compatibleUrl: 'http://u:p@host' }).success).toBe(false);
  });
});

describe('the realtime endpoint behind a pasted address', () => {
  function endpoint(raw: string): string {
    const checked = realtimeEndpoint(raw);
    if (!checked.ok) throw new Error(`${raw} was refused: ${checked.problem}`);
    return checked.url;
  }

  it('maps a base URL, …/v1 and …/v1/ to /v1/realtime, http to ws and https to wss', () => {
    expect(endpoint('http://gpu-box:8000')).toBe('ws://gpu-box:8000/v1/realtime');
    expect(endpoint('http://gpu-box:8000/')).toBe('ws://gpu-box:8000/v1/realtime');
    expect(endpoint('https://speech.example.org/v1')).toBe('wss://speech.example.org/v1/realtime');
    expect(endpoint('https://speech.example.org/v1/')).toBe('wss://speech.example.org/v1/realtime');
    expect(endpoint('wss://proxy.example.org/asr/v1')).toBe('wss://proxy.example.org/asr/v1/realtime');
  });

  it('keeps a full endpoint, another path and the query as typed', () => {
    expect(endpoint('ws://127.0.0.1:8000/v1/realtime')).toBe('ws://127.0.0.1:8000/v1/realtime');
    expect(endpoint('wss://x.example/custom/socket')).toBe('wss://x.example/custom/socket');
    expect(endpoint('ws://h:8000/v1/?model=Systran/x')).toBe('ws://h:8000/v1/realtime?model=Systran/x');
  });

  it('refuses what checkProviderUrl refuses, with the same sentence', () => {
    const checked = realtimeEndpoint('ftp://gpu-box/v1');
    expect(checked).toEqual(checkProviderUrl('ftp://gpu-box/v1'));
    expect(checked.ok ? '' : checked.problem).toMatch(
      /must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\/, not ftp:/,
    );
  });
});
