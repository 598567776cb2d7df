// A pure function's results for its last few distinct inputs. A coffee's variants repeat the
// same few option values ("250g", "Whole Bean") across all its sizes × grinds, and a store's
// products follow one another with the same options: each is parsed once instead of once per
// variant. Only recent inputs are kept, so memory stays bounded whatever a store sends.

export interface RecentOptions {
  /** How many distinct inputs are remembered (the oldest is forgotten first). */
  size: number;
  /** Longer inputs are not remembered (a store's whole description held for nothing). */
  maxInputLength?: number;
}

/**
 * `fn`, remembering its results for recent inputs. `fn` must be pure, and its results must
 * not be mutated by callers: a remembered result is handed out again as it is.
 */
export function rememberRecent<R>(fn: (input: string) => R, { size, maxInputLength = Infinity }: RecentOptions): (input: string) => R {
  const results = new Map<string, R>();
  return (input) => {
    if (input.length > maxInputLength) return fn(input);
    const known = results.get(input);
    if (known !== undefined || results.has(input)) return known as R;
    const result = fn(input);
    if (results.size >= size) results.delete(results.keys().next().value!);
    results.set(input, result);
    return result;
  };
}
