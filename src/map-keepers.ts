const kept: unknown[] = [];

/**
 * Keeps one idle object of a per-call shape for the life of the module. V8 holds the hidden
 * classes (maps) that class fields transition through only while some object uses them: a full
 * GC that finds no call in flight frees them, and every optimized function that handled calls is
 * deoptimized ("weak objects") and recompiled. Build the object from the same kinds of values
 * real calls carry (resolving functions, a double deadline), so its map is the one calls use.
 */
export function keepMap(value: unknown): void {
  kept.push(value);
}
