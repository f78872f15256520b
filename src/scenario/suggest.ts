/**
 * "Did you mean" suggestions for misspelled keys, enum values and names. Optimal-string-alignment
 * distance (Levenshtein plus adjacent transpositions): `paralel` → `parallel`, `gpuInstance` →
 * `gpuInstances`, `dlloger` → `dllogger`.
 */

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, when close enough to be a likely typo: at most a third of the
 * word's length in edits (at least 1, at most 3). Case differences alone count as a match.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const needle = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(needle.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(needle, candidate.toLowerCase());
    // Shorter than the word itself: "x" → "w" is a different word, not a typo.
    if (distance <= limit && distance < Math.min(needle.length, candidate.length) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean "x"?` when a candidate is close to `word`, otherwise the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? "" : `; did you mean "${match}"?`;
}
