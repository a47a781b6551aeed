/**
 * How precise an accuracy measured on n clips is. The held-out-engine figure of the default
 * pipeline rests on ≈ 400 clips: two draws of those clips gave the same model 80.4 % and
 * 76.3 % (docs/results/2026-12-05-kws-volume-same-steps.md), so a figure without its interval
 * invites reading noise as progress.
 *
 * Wilson score interval (95 %, z = 1.96) rather than the normal approximation p ± z·√(p(1−p)/n),
 * which collapses to ±0 at 0 % or 100 % and is too narrow on the few-clip rows of a per-voice
 * or per-band table.
 */
const Z = 1.96;

/** The 95 % Wilson interval of `accuracy` measured on `clips` clips; [0, 1] for no clips. */
export function accuracyInterval95(accuracy: number, clips: number): { low: number; high: number } {
  if (!(clips > 0)) return { low: 0, high: 1 };
  const z2n = (Z * Z) / clips;
  const centre = (accuracy + z2n / 2) / (1 + z2n);
  const half = (Z / (1 + z2n)) * Math.sqrt((accuracy * (1 - accuracy)) / clips + z2n / (4 * clips));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The interval's larger distance from the measured accuracy: what "±" means in a table cell. */
export function accuracyHalfWidth95(accuracy: number, clips: number): number {
  const { low, high } = accuracyInterval95(accuracy, clips);
  return Math.max(accuracy - low, high - accuracy);
}

/** "±3.9": accuracyHalfWidth95 in percentage points, one decimal. */
export function formatHalfWidth95(accuracy: number, clips: number): string {
  return `±${(accuracyHalfWidth95(accuracy, clips) * 100).toFixed(1)}`;
}
