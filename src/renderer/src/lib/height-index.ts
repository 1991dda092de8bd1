/**
 * Row heights and offsets for a virtualized list of rows whose heights are only known once
 * drawn. Unmeasured rows count at an estimate; offsets are prefix sums rebuilt lazily from
 * the first row that changed, so appending to a 10,000-row list costs only the new tail.
 */
export class HeightIndex {
  #estimate: number;
  #heights: number[] = [];
  #measured: boolean[] = [];
  /** offsets[i] = top of row i; offsets[count] = total height. Valid up to #validUpTo. */
  #offsets: number[] = [0];
  #validUpTo = 0;

  constructor(estimate: number) {
    this.#estimate = estimate;
  }

  get count(): number {
    return this.#heights.length;
  }

  /** Grows or shrinks to `count` rows; new rows start at the estimate. */
  resize(count: number): void {
    const old = this.#heights.length;
    if (count === old) return;
    if (count < old) {
      this.#heights.length = count;
      this.#measured.length = count;
      this.#offsets.length = count + 1;
    } else {
      for (let i = old; i < count; i += 1) {
        this.#heights.push(this.#estimate);
        this.#measured.push(false);
      }
    }
    this.#validUpTo = Math.min(this.#validUpTo, Math.max(0, Math.min(old, count)));
  }

  /** Records a drawn row's height; returns the change (0 when nothing moved). */
  set(index: number, height: number): number {
    if (index < 0 || index >= this.#heights.length || !(height > 0)) return 0;
    const old = this.#heights[index]!;
    this.#measured[index] = true;
    if (Math.abs(old - height) < 0.5) return 0;
    this.#heights[index] = height;
    this.#validUpTo = Math.min(this.#validUpTo, index);
    return height - old;
  }

  isMeasured(index: number): boolean {
    return this.#measured[index] ?? false;
  }

  /** Forget every measurement (the width changed, so every row may wrap differently). */
  invalidateAll(): void {
    this.#heights.fill(this.#estimate);
    this.#measured.fill(false);
    this.#validUpTo = 0;
  }

  offsetOf(index: number): number {
    const i = Math.max(0, Math.min(index, this.#heights.length));
    this.#ensure(i);
    return this.#offsets[i]!;
  }

  get total(): number {
    return this.offsetOf(this.#heights.length);
  }

  /** The row containing `offset` (the last row for offsets past the end). */
  indexAt(offset: number): number {
    const n = this.#heights.length;
    if (n === 0) return 0;
    this.#ensure(n);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rows to draw for a viewport, with `overscan` rows either side. `end` is exclusive. */
  range(scrollTop: number, viewportHeight: number, overscan: number): { start: number; end: number } {
    const n = this.#heights.length;
    if (n === 0) return { start: 0, end: 0 };
    const first = this.indexAt(Math.max(0, scrollTop));
    const last = this.indexAt(Math.max(0, scrollTop + viewportHeight));
    return { start: Math.max(0, first - overscan), end: Math.min(n, last + 1 + overscan) };
  }

  #ensure(upTo: number): void {
    if (upTo <= this.#validUpTo) return;
    const offsets = this.#offsets;
    for (let i = this.#validUpTo; i < upTo; i += 1) offsets[i + 1] = offsets[i]! + this.#heights[i]!;
    this.#validUpTo = upTo;
  }
}
