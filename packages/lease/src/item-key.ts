/**
 * A `Map` key for a byte string: one UTF-16 unit per byte (0–255), so two keys are equal
 * exactly when the bytes are, and comparing two of them with `<` orders them bytewise (what
 * etcd's Go strings do when revoke sorts a lease's keys).
 */
export function itemKey(bytes: Uint8Array): string {
  // One call per 8 KiB keeps the result a flat string (`+=` per byte would build a rope).
  if (bytes.length <= 8192) return String.fromCharCode.apply(null, bytes as unknown as number[])
  const chunks: string[] = []
  for (let i = 0; i < bytes.length; i += 8192) {
    chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]))
  }
  return chunks.join('')
}
