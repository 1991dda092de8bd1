/**
 * Turns a stream of text chunks, which end anywhere, into whole lines. A line longer than
 * `maxLine` is passed on in pieces rather than held without bound. Blank lines are skipped.
 */
export function byLine(onLine: (line: string) => void, maxLine = 4096): (text: string) => void {
  let partial = '';
  return (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > maxLine) {
      lines.push(partial);
      partial = '';
    }
    for (const line of lines) if (line.trim()) onLine(line.replace(/\r$/, ''));
  };
}
