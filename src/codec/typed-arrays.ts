/** Typed arrays other than Uint8Array, in the order of their tags (msgpack ext 6, JSON tag 6). */
export const TYPED_ARRAYS = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/** The tag of a typed array other than Uint8Array, or −1 for anything else. */
export function typedArrayTag(value: unknown): number {
  if (!ArrayBuffer.isView(value) || value instanceof Uint8Array || value instanceof DataView) return -1;
  return TYPED_ARRAYS.findIndex((Type) => value instanceof Type);
}
