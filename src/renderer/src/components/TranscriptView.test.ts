import { cleanup, fireEvent, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../../shared/result.ts';
import type { Segment } from '../../../shared/transcript.ts';
import { renderApp } from '../testing/render-app.ts';

function final(n: number, text = `Sentence number ${n}.`): Segment {
  return { segmentId: `seg-${n}`, text, isFinal: true, startMs: n * 2000, endMs: n * 2000 + 1500 };
}

/**
 * jsdom does no layout: give the scroller the geometry a browser would (rows of 50 px in a
 * 400 px window) and a scrollTop that moves like a real one, clamped to the content.
 */
function fakeGeometry(scroller: HTMLElement, rowCount: () => number) {
  let top = 0;
  const height = () => rowCount() * 50;
  Object.defineProperty(scroller, 'clientHeight', { configurable: true, get: () => 400 });
  Object.defineProperty(scroller, 'scrollHeight', { configurable: true, get: () => Math.max(400, height()) });
  Object.defineProperty(scroller, 'scrollTop', {
    configurable: true,
    get: () => top,
    set: (v: number) => (top = Math.max(0, Math.min(v, Math.max(0, height() - 400)))),
  });
  return {
    get top() {
      return top;
    },
    /** The person drags the scrollbar: pointer down, the position changes, `scroll`, pointer up. */
    async userScrollTo(v: number) {
      await fireEvent.pointerDown(scroller);
      scroller.scrollTop = v;
      await fireEvent.scroll(scroller);
      await fireEvent.pointerUp(window);
    },
    /** The page moves without input (rows re-measured, the browser clamps): not the person. */
    async drift(v: number) {
      scroller.scrollTop = v;
      await fireEvent.scroll(scroller);
    },
    bottom: () => Math.max(0, height() - 400),
  };
}

describe('live transcript', () => {
  afterEach(cleanup);

  it('shows finals with timestamps and turns a muted partial into a final in place', async () => {
    const { main, container } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: [final(1, 'Hello there.')], partial: null }),
    });
    const first = container.querySelector('[data-segment-id="seg-1"]')!;
    expect(first).toHaveTextContent('0:02');
    expect(first).toHaveTextContent('Hello there.');
    expect(first).toHaveAttribute('data-final', 'true');

    main.emit('transcript', { segmentId: 'seg-2', text: 'the quick', isFinal: false, startMs: 4000 });
    const partial = await waitFor(() => {
      const row = container.querySelector('[data-segment-id="seg-2"]');
      if (!row) throw new Error('no partial row yet');
      return row;
    });
    expect(partial).toHaveClass('partial');
    expect(partial).toHaveAttribute('data-final', 'false');
    expect(partial).toHaveTextContent('the quick');

    main.emit('transcript', { segmentId: 'seg-2', text: 'the quick brown', isFinal: false, startMs: 4000 });
    await waitFor(() => expect(partial).toHaveTextContent('the quick brown'));

    main.emit('transcript', {
      segmentId: 'seg-2',
      text: 'The quick brown fox.',
      isFinal: true,
      startMs: 4000,
      endMs: 6000,
    });
    await waitFor(() => expect(partial).toHaveAttribute('data-final', 'true'));
    // The same element, now final: nothing jumped, nothing was duplicated.
    expect(container.querySelector('[data-segment-id="seg-2"]')).toBe(partial);
    expect(partial).not.toHaveClass('partial');
    expect(partial).toHaveTextContent('The quick brown fox.');
    expect(container.querySelectorAll('[data-segment-id]')).toHaveLength(2);
  });

  it('marks, subtly, the lines this computer wrote while the cloud service was unreachable', async () => {
    const { container } = await renderApp({
      'transcript.get': () =>
        ok({
          sessionId: 's1',
          segments: [
            { ...final(1, 'From the cloud.'), provider: 'deepgram' },
            { ...final(2, 'Written offline.'), provider: 'local' },
          ],
          partial: null,
        }),
    });
    expect(container.querySelector('[data-segment-id="seg-1"] .via')).toBeNull();
    const offline = container.querySelector('[data-segment-id="seg-2"] .via');
    expect(offline).toHaveTextContent('this computer');
    expect(offline).toHaveAttribute('title', expect.stringMatching(/offline model on this computer/));
  });

  it('announces each new final once to screen readers, never the partial', async () => {
    const { main, getByTestId } = await renderApp();
    const announcer = getByTestId('final-announcer');
    main.emit('transcript', { segmentId: 'a', text: 'half a sen', isFinal: false });
    await waitFor(() => expect(document.querySelector('[data-segment-id="a"]')).not.toBeNull());
    expect(announcer).toHaveTextContent('');
    main.emit('transcript', { segmentId: 'a', text: 'Half a sentence.', isFinal: true });
    await waitFor(() => expect(announcer).toHaveTextContent('Half a sentence.'));
    expect(announcer).toHaveAttribute('aria-live', 'polite');
  });

  it('follows new text, pauses when the person scrolls up, and resumes with "Jump to live"', async () => {
    const initial = Array.from({ length: 40 }, (_, i) => final(i));
    const { main, app, screen, getByTestId } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: initial, partial: null }),
    });
    const scroller = getByTestId('virtual-scroller');
    const geometry = fakeGeometry(scroller, () => app.transcript.rowCount);

    // Following: each new final scrolls to the end.
    main.emit('transcript', final(40));
    await waitFor(() => expect(geometry.top).toBe(geometry.bottom()));
    await fireEvent.scroll(scroller);
    expect(app.transcript.following).toBe(true);
    expect(screen.queryByRole('button', { name: /Jump to live/ })).not.toBeInTheDocument();

    // The list moving under us (re-measured rows, a clamp) is not the person scrolling away.
    await geometry.drift(geometry.bottom() - 120);
    await waitFor(() => expect(geometry.top).toBe(geometry.bottom()));
    expect(app.transcript.following).toBe(true);

    // The person scrolls up to reread: following stops and new text does not pull the view.
    await geometry.userScrollTo(300);
    const jump = await screen.findByRole('button', { name: /Jump to live/ });
    main.emit('transcript', final(41));
    main.emit('transcript', final(42));
    await waitFor(() => expect(jump).toHaveTextContent('Jump to live (2 new)'));
    expect(geometry.top).toBe(300);

    // "Jump to live" goes to the end and follows again.
    await fireEvent.click(jump);
    await waitFor(() => expect(screen.queryByRole('button', { name: /Jump to live/ })).not.toBeInTheDocument());
    await waitFor(() => expect(geometry.top).toBe(geometry.bottom()));
    main.emit('transcript', final(43));
    await waitFor(() => expect(geometry.top).toBe(geometry.bottom()));
  });

  it('resumes following when the person scrolls back to the end', async () => {
    const initial = Array.from({ length: 40 }, (_, i) => final(i));
    const { app, screen, getByTestId } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: initial, partial: null }),
    });
    const scroller = getByTestId('virtual-scroller');
    const geometry = fakeGeometry(scroller, () => app.transcript.rowCount);
    await fireEvent.wheel(scroller, { deltaY: -120 });
    expect(await screen.findByRole('button', { name: /Jump to live/ })).toBeInTheDocument();
    await geometry.userScrollTo(geometry.bottom());
    await waitFor(() => expect(screen.queryByRole('button', { name: /Jump to live/ })).not.toBeInTheDocument());
    expect(app.transcript.following).toBe(true);
  });

  it('draws only the rows in view out of 10,000', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => final(i));
    const { container } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: many, partial: null }),
    });
    const drawn = container.querySelectorAll('[data-segment-id]').length;
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(100);
  });

  it('exports through main and clears after confirmation', async () => {
    const { main, screen, user } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: [final(1)], partial: null }),
      'transcript.export': ({ format }) =>
        ok({ text: `1\n00:00:02,000 --> 00:00:03,500\nSentence number 1.\n`, fileName: `earshot.${format}` }),
    });
    const saved: { name: string; type: string }[] = [];
    URL.createObjectURL = (blob: Blob) => {
      saved.push({ name: '', type: blob.type });
      return 'blob:fake';
    };
    URL.revokeObjectURL = () => undefined;
    const clicks: string[] = [];
    const onClick = (e: Event) => {
      const a = e.target as HTMLAnchorElement;
      if (a.tagName === 'A') {
        clicks.push(a.download);
        e.preventDefault();
      }
    };
    document.addEventListener('click', onClick, true);
    await user.selectOptions(screen.getByLabelText('Export format'), 'srt');
    await user.click(screen.getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(clicks).toEqual(['earshot.srt']));
    document.removeEventListener('click', onClick, true);
    expect(main.callsTo('transcript.export')).toEqual([{ format: 'srt' }]);
    expect(saved[0]?.type).toMatch(/subrip/);

    await user.click(screen.getByRole('button', { name: 'Clear…' }));
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(main.callsTo('transcript.clear')).toHaveLength(1);
    main.emit('transcriptCleared', null);
    await waitFor(() => expect(screen.getByText(/press Start/)).toBeInTheDocument());
  });

  it('copies the exported text through main in the Electron window', async () => {
    const { main, screen, user } = await renderApp({
      'transcript.get': () => ok({ sessionId: 's1', segments: [final(1)], partial: null }),
      'transcript.export': () => ok({ text: 'Sentence number 1.\n', fileName: 'x.txt' }),
    });
    await user.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(main.callsTo('clipboard.write')).toEqual([{ text: 'Sentence number 1.\n' }]));
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });
});
