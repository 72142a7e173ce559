/**
 * A copy of a Map, for the world's per-tick copies (a thousand entries or more, every tick). `new Map(source)`
 * goes through the iterator protocol, an iterator result and an entry array per entry; `forEach` allocates
 * neither and is about a quarter faster.
 */
export const copyMap = <K, V>(source: ReadonlyMap<K, V>): Map<K, V> => {
  const copy = new Map<K, V>();
  source.forEach((value, key) => copy.set(key, value));
  return copy;
};
