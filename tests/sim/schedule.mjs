// Simulated time: a queue of actions ordered by (time, insertion order), so
// actions due at the same millisecond run in the order they were scheduled
// and a run never depends on the wall clock.
export class Schedule {
  constructor() {
    this.now = 0;
    this.heap = [];
    this.order = 0;
  }

  /** Runs `action` (sync or async) at simulated time `at` (never before now). */
  at(at, action) {
    this.push({ at: Math.max(at, this.now), order: this.order++, action });
  }

  /** Runs `action` `delay` ms from now. */
  after(delay, action) {
    this.at(this.now + delay, action);
  }

  get size() {
    return this.heap.length;
  }

  /** Runs due actions in order until the queue is empty, `until` is passed or `stop()` is true. */
  async run(until, stop = () => false) {
    while (this.heap.length > 0 && this.heap[0].at <= until && !stop()) {
      const next = this.pop();
      this.now = next.at;
      await next.action();
    }
  }

  static earlier(a, b) {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  push(item) {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!Schedule.earlier(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  pop() {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && Schedule.earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && Schedule.earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}
