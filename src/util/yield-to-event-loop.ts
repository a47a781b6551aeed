/**
 * Resolve after the event loop's pending I/O callbacks have run (setImmediate). Long CPU loops in
 * an activity await it between batches so Temporal heartbeats and cancellation get through.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
