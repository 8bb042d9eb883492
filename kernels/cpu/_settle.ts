/**
 * Runs synchronous work behind a promise-returning method so that errors reject the promise
 * (as they would on the asynchronous WebGPU backend) instead of throwing at the call.
 * @module
 */

/** `f()` as a resolved promise, or a rejected one if `f` throws. */
export function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error);
  }
}
