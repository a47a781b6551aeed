/**
 * A promise made once and shared by every caller, forgotten when it rejects so that the next
 * call tries again (a tool installed meanwhile, a transient failure): engine versions, voice
 * lists, transcriptions.
 */
export function onceUntilFailure<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (p) return p;
    const made = make();
    p = made;
    made.catch(() => {
      if (p === made) p = undefined;
    });
    return made;
  };
}

/** `onceUntilFailure` per `key(...args)`. */
export function memoUntilFailure<A extends unknown[], T>(
  key: (...args: A) => string,
  make: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  const made = new Map<string, Promise<T>>();
  return (...args) => {
    const k = key(...args);
    let p = made.get(k);
    if (!p) {
      const q = make(...args);
      p = q;
      made.set(k, q);
      q.catch(() => {
        if (made.get(k) === q) made.delete(k);
      });
    }
    return p;
  };
}
