// CRC-32C (Castagnoli), written out here so the suite checks adapters against an implementation
// that shares nothing with @etcd-ts/backend: reflected polynomial 0x82f63b78, initial value and
// final XOR 0xffffffff (RFC 3720 §B.4). Chaining works as for bbolt and etcd's hash:
// crc32c(b, crc32c(a)) === crc32c(a ++ b).

const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** The CRC-32C of `data`, continuing from `crc` (0 to start). */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  for (let i = 0; i < data.length; i++) c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}
