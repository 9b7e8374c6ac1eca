/**
 * Key-range helpers with etcd's conventions (reference §0 item 4): an empty `range_end` means
 * the single key `key`; `range_end = "\0"` means every key `>= key`; `key = range_end = "\0"`
 * means every key; a prefix is the range `[prefix, prefixRangeEnd(prefix))`.
 */

/** The one-byte key `"\0"`. Do not modify it. */
export const NUL: Uint8Array = Uint8Array.of(0)

/**
 * The `range_end` that selects every key starting with `prefix`: etcd's `GetPrefixRangeEnd`
 * (clientv3 `op.go`). The last byte below 0xff is incremented and the bytes after it are cut
 * (`"a\xff"` gives `"b"`); a prefix of only 0xff bytes, or an empty one, gives `"\0"` (every key
 * from `prefix` on). Returns a new array; `prefix` is not modified.
 */
export function prefixRangeEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const b = prefix[i] as number
    if (b < 0xff) {
      const end = prefix.slice(0, i + 1)
      end[i] = b + 1
      return end
    }
  }
  return Uint8Array.of(0)
}

/** The `range_end` that selects every key `>= key` (`"\0"`); a new array each call. */
export function fromKeyRangeEnd(): Uint8Array {
  return Uint8Array.of(0)
}

/** Whether `[key, rangeEnd)` is etcd's "all keys" range: both are `"\0"`. */
export function isAllKeysRange(key: Uint8Array, rangeEnd: Uint8Array): boolean {
  return key.length === 1 && key[0] === 0 && rangeEnd.length === 1 && rangeEnd[0] === 0
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The UTF-8 bytes of a string (etcd keys and values are bytes; this is for text ones). */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text)
}

/** The string of UTF-8 bytes (invalid sequences become U+FFFD). */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}
