/**
 * The busy wait before an `Atomics.wait` between threads that hand work back and forth in
 * microseconds (env workers, a learner's second thread): a futex sleep and wake-up costs
 * ~30 µs each way on our 2-core VMs, more than the work it would wait for.
 * @module
 */

/**
 * Polls `words[index]` while it equals `value`, for at most `ms` milliseconds, and returns the
 * last value read.
 */
export function pollWhile(words: Int32Array, index: number, value: number, ms: number): number {
  let v = Atomics.load(words, index);
  if (v !== value) return v;
  const until = performance.now() + ms;
  for (let i = 1;; i++) {
    Atomics.pause();
    v = Atomics.load(words, index);
    if (v !== value || ((i & 63) === 0 && performance.now() > until)) return v;
  }
}
