/** Summary statistics of timing samples (seconds). */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  return { runs: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}
