// Lets gRPC clients that put a URL in :authority through Node's HTTP/2 server.
//
// etcdctl 3.4 dials each member for `endpoint status|hashkv --cluster` and `defrag --cluster` as
// `passthrough:///http://127.0.0.1:2379`, so grpc-go sends `:authority: http://127.0.0.1:2379`.
// nghttp2 (HTTP messaging validation, which Node cannot turn off) allows only RFC 3986 authority
// characters there, and resets the stream with PROTOCOL_ERROR on the '/'. etcd (Go's HTTP/2
// server) accepts it. Most connections must stay on the native socket (a JS stream in between
// costs about 40% more server CPU), so each gRPC connection is looked at before nghttp2 gets it:
//
//   client                        us                               nghttp2 (grpc-js)
//   preface, SETTINGS   ──────▶   buffer
//                       ◀──────   empty SETTINGS (grpc-go waits for the server's SETTINGS)
//   SETTINGS ACK        ──────▶   drop (nghttp2 never sent those SETTINGS)
//   HEADERS             ──────▶   decode :authority
//                                   valid:   put the bytes back ──▶ raw socket (native path)
//                                   invalid: JS stream that rewrites every header block ──▶
//
// nghttp2 then sends its own SETTINGS (a second SETTINGS frame is legal) and the client ACKs them.
// The rewrite turns `http://127.0.0.1:2379` into `http:::127.0.0.1:2379`: the same number of
// octets, so the HPACK dynamic tables of the client and of nghttp2 account for it alike (RFC 7541
// §4.1) and every other field of the block is kept byte for byte.
/// <reference path="./hpack-js.d.ts" />
import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import hpack from 'hpack.js'

/** The client connection preface (RFC 9113 §3.4). */
const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
/** A SETTINGS frame with no parameters, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])
const FRAME_HEADER_LENGTH = 9
/** Frames we emit stay within the SETTINGS_MAX_FRAME_SIZE every peer accepts (RFC 9113 §4.2). */
const MAX_FRAME_LENGTH = 16_384

const FRAME_HEADERS = 0x1
const FRAME_SETTINGS = 0x4
const FRAME_CONTINUATION = 0x9
const FLAG_ACK = 0x1
const FLAG_END_STREAM = 0x1
const FLAG_END_HEADERS = 0x4
const FLAG_PADDED = 0x8
const FLAG_PRIORITY = 0x20

/** The HPACK dynamic table size a decoder starts with (RFC 9113 §6.5.2). */
const DEFAULT_HEADER_TABLE_SIZE = 4096
const AUTHORITY = ':authority'
/** Static table index of `:authority` (RFC 7541 Appendix A). */
const STATIC_AUTHORITY_INDEX = 1
const STATIC_TABLE = hpack['static-table'].table

// The octets nghttp2_check_authority accepts: RFC 3986 unreserved, sub-delims, ':', '@', '[', ']'
// and '%'. Everything else makes nghttp2 reset the stream.
const AUTHORITY_OCTETS = new Uint8Array(256)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@[]%") {
  AUTHORITY_OCTETS[c.charCodeAt(0)] = 1
}

/** Options of {@link serveGrpcConnection}. */
export interface ServeGrpcConnectionOptions {
  /**
   * How long to wait for the client's ACK of our SETTINGS, ms; default 5000. A client that has
   * not sent it by then goes to the JS path, which can still drop it whenever it comes.
   */
  readonly ackTimeoutMs?: number
  /**
   * Once the ACK came, how long to wait for the first request, ms; default 100. A client idle
   * longer goes to the native path (grpc-go sends its first request with the ACK).
   */
  readonly sniffTimeoutMs?: number
  /** Stop holding once this many bytes arrived without a request; default 65536. */
  readonly maxSniffBytes?: number
}

/**
 * Hands a new gRPC connection to `inject` once its first request shows its `:authority`: the
 * socket itself when nghttp2 will accept it (bytes put back, nothing else changed), otherwise a
 * Duplex that rewrites `:authority` on the way in (see the top of this file). `socket` must be
 * paused with the bytes read so far put back (`unshift`), which start with `PRI`.
 */
export function serveGrpcConnection(
  socket: Socket,
  inject: (connection: Duplex) => void,
  options: ServeGrpcConnectionOptions = {},
): void {
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 100
  const maxSniffBytes = options.maxSniffBytes ?? 65_536
  let buffered: Buffer = Buffer.alloc(0)
  // The next frame to look at starts at buffered[scanned].
  let scanned = CLIENT_PREFACE.length
  let settingsSent = false
  // Where our SETTINGS' ACK sits in `buffered`, once it came.
  let ackOffset: number | undefined
  // Whether the first header block needs the rewrite, once it came.
  let needsRewrite: boolean | undefined
  let done = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const finish = (path: 'native' | 'rewrite') => {
    done = true
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('close', onClose)
    socket.pause()
    if (path === 'rewrite') {
      inject(authorityRewritingStream(socket, buffered))
      return
    }
    if (ackOffset !== undefined) {
      buffered = Buffer.concat([buffered.subarray(0, ackOffset), buffered.subarray(ackOffset + FRAME_HEADER_LENGTH)])
    }
    if (buffered.length > 0) socket.unshift(buffered)
    inject(socket)
  }
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    if (!settingsSent) {
      if (buffered.length < CLIENT_PREFACE.length) return
      // Not HTTP/2 after all: nghttp2 says so to the client.
      if (!buffered.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)) return finish('native')
      socket.write(EMPTY_SETTINGS)
      settingsSent = true
    }
    for (;;) {
      const frame = frameAt(buffered, scanned)
      if (frame === undefined) break
      if (frame.type === FRAME_SETTINGS && frame.flags & FLAG_ACK && frame.length === 0 && ackOffset === undefined) {
        ackOffset = scanned
        clearTimeout(timer)
        timer = setTimeout(onTimeout, sniffTimeoutMs)
      } else if (frame.type === FRAME_HEADERS && needsRewrite === undefined) {
        needsRewrite = firstBlockNeedsRewrite(buffered, scanned, frame)
      }
      scanned = frame.end
    }
    if (needsRewrite === true) return finish('rewrite')
    if (needsRewrite === false && ackOffset !== undefined) return finish('native')
    if (buffered.length > maxSniffBytes) decide()
  }
  /** No request yet: without our ACK in hand, only the JS path can still drop it when it comes. */
  const decide = () => {
    if (!done) finish(settingsSent && ackOffset === undefined ? 'rewrite' : 'native')
  }
  // After the poll phase, so that bytes that arrived while the event loop was busy count.
  const onTimeout = () => setImmediate(decide)
  const onClose = () => {
    done = true
    clearTimeout(timer)
  }
  timer = setTimeout(onTimeout, ackTimeoutMs)
  socket.on('data', onData)
  socket.once('close', onClose)
  socket.resume()
}

interface FrameHeader {
  readonly length: number
  readonly type: number
  readonly flags: number
  /** Offset just past the frame. */
  readonly end: number
}

/** The frame starting at `offset` if all of it is in `bytes`. */
function frameAt(bytes: Buffer, offset: number): FrameHeader | undefined {
  if (bytes.length < offset + FRAME_HEADER_LENGTH) return undefined
  const length = bytes.readUIntBE(offset, 3)
  const end = offset + FRAME_HEADER_LENGTH + length
  if (bytes.length < end) return undefined
  return { length, type: bytes[offset + 3] as number, flags: bytes[offset + 4] as number, end }
}

function firstBlockNeedsRewrite(bytes: Buffer, offset: number, frame: FrameHeader): boolean {
  // A block split over CONTINUATION frames is rare (grpc-go's fit one frame): the JS path copes.
  if ((frame.flags & FLAG_END_HEADERS) === 0) return true
  const fragment = headerFragment(bytes.subarray(offset + FRAME_HEADER_LENGTH, frame.end), frame.flags)
  if (fragment === undefined) return false
  try {
    return rewriteHeaderBlock(fragment.block, new HpackTable()) !== undefined
  } catch {
    // Malformed: nghttp2 answers it with a COMPRESSION_ERROR, as it should.
    return false
  }
}

/** A HEADERS payload split into its priority fields (may be empty) and its block fragment. */
function headerFragment(payload: Buffer, flags: number): { priority: Buffer; block: Buffer } | undefined {
  let start = 0
  let end = payload.length
  if (flags & FLAG_PADDED) {
    if (payload.length < 1) return undefined
    end -= payload[0] as number
    start = 1
  }
  const priorityEnd = flags & FLAG_PRIORITY ? start + 5 : start
  if (end < priorityEnd) return undefined
  return { priority: payload.subarray(start, priorityEnd), block: payload.subarray(priorityEnd, end) }
}

/**
 * The JS path: a Duplex for grpc-js over `socket`, which sees the client's bytes (`buffered`
 * first, then the socket's) with `:authority` rewritten and our SETTINGS' ACK dropped, and
 * writes through unchanged.
 */
function authorityRewritingStream(socket: Socket, buffered: Buffer): Duplex {
  const rewriter = new AuthorityRewriter()
  const stream = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, (error) => callback(error ?? null))
    },
    final(callback) {
      socket.end(() => callback())
    },
    destroy(error, callback) {
      socket.destroy()
      callback(error)
    },
  })
  const forward = (chunk: Buffer) => {
    let more = true
    for (const piece of rewriter.push(chunk)) more = stream.push(piece) && more
    if (!more) socket.pause()
  }
  socket.on('data', forward)
  socket.once('end', () => stream.push(null))
  socket.once('close', () => stream.destroy())
  forward(buffered)
  return stream
}

/**
 * Rewrites the client-to-server half of an HTTP/2 connection, the preface included: drops the
 * first empty SETTINGS ACK, and re-emits each header block (HEADERS plus CONTINUATIONs) whose
 * `:authority` nghttp2 would refuse, with that value rewritten. Every other byte passes as it
 * came (subarrays of the input, no copies). Exported for its tests.
 */
export class AuthorityRewriter {
  readonly #table = new HpackTable()
  #prefaceLeft = CLIENT_PREFACE.length
  #ackDropped = false
  /** A frame header still arriving. */
  #head: Buffer = Buffer.alloc(0)
  /** Payload bytes of the current frame still to pass through. */
  #passLeft = 0
  /** The current HEADERS/CONTINUATION frames (header + payload), while collecting a block. */
  #blockFrames: Buffer[] = []
  /** The current frame's bytes, while collecting a block, and how many are still due. */
  #frame: Buffer[] = []
  #frameLeft = 0
  #collecting = false

  /** Takes the next bytes from the client; returns what to hand on, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = []
    let at = 0
    while (at < chunk.length) {
      if (this.#prefaceLeft > 0) {
        const n = Math.min(this.#prefaceLeft, chunk.length - at)
        out.push(chunk.subarray(at, at + n))
        this.#prefaceLeft -= n
        at += n
      } else if (this.#passLeft > 0) {
        const n = Math.min(this.#passLeft, chunk.length - at)
        out.push(chunk.subarray(at, at + n))
        this.#passLeft -= n
        at += n
      } else if (this.#frameLeft > 0) {
        const n = Math.min(this.#frameLeft, chunk.length - at)
        this.#frame.push(chunk.subarray(at, at + n))
        this.#frameLeft -= n
        at += n
        if (this.#frameLeft === 0) this.#endBlockFrame(out)
      } else {
        const n = Math.min(FRAME_HEADER_LENGTH - this.#head.length, chunk.length - at)
        const piece = chunk.subarray(at, at + n)
        this.#head = this.#head.length === 0 ? piece : Buffer.concat([this.#head, piece])
        at += n
        if (this.#head.length === FRAME_HEADER_LENGTH) this.#startFrame(out)
      }
    }
    return out
  }

  #startFrame(out: Buffer[]): void {
    const head = this.#head
    this.#head = Buffer.alloc(0)
    const length = head.readUIntBE(0, 3)
    const type = head[3] as number
    const flags = head[4] as number
    if (type === FRAME_SETTINGS && flags & FLAG_ACK && length === 0 && !this.#ackDropped) {
      this.#ackDropped = true
      return
    }
    if (type === FRAME_HEADERS || (type === FRAME_CONTINUATION && this.#collecting)) {
      this.#collecting = true
      this.#frame = [Buffer.from(head)]
      this.#frameLeft = length
      if (length === 0) this.#endBlockFrame(out)
      return
    }
    out.push(head)
    this.#passLeft = length
  }

  #endBlockFrame(out: Buffer[]): void {
    const frame = Buffer.concat(this.#frame)
    this.#frame = []
    this.#blockFrames.push(frame)
    if (((frame[4] as number) & FLAG_END_HEADERS) === 0) return
    const frames = this.#blockFrames
    this.#blockFrames = []
    this.#collecting = false
    out.push(...(this.#rewriteBlock(frames) ?? frames))
  }

  /** The frames carrying `frames`' block with `:authority` rewritten, or undefined if unchanged. */
  #rewriteBlock(frames: Buffer[]): Buffer[] | undefined {
    const first = frames[0] as Buffer
    const flags = first[4] as number
    const fragment = headerFragment(first.subarray(FRAME_HEADER_LENGTH), flags)
    if (fragment === undefined) return undefined
    const block = Buffer.concat([fragment.block, ...frames.slice(1).map((f) => f.subarray(FRAME_HEADER_LENGTH))])
    let rewritten: Buffer | undefined
    try {
      rewritten = rewriteHeaderBlock(block, this.#table)
    } catch {
      // Malformed: nghttp2 will answer with a COMPRESSION_ERROR and close the connection.
      return undefined
    }
    if (rewritten === undefined) return undefined
    const streamId = first.subarray(5, FRAME_HEADER_LENGTH)
    const payload = Buffer.concat([fragment.priority, rewritten])
    const out: Buffer[] = []
    for (let at = 0; at === 0 || at < payload.length; at += MAX_FRAME_LENGTH) {
      const piece = payload.subarray(at, at + MAX_FRAME_LENGTH)
      const last = at + MAX_FRAME_LENGTH >= payload.length
      const head = Buffer.alloc(FRAME_HEADER_LENGTH)
      head.writeUIntBE(piece.length, 0, 3)
      if (at === 0) {
        head[3] = FRAME_HEADERS
        head[4] = (flags & (FLAG_END_STREAM | FLAG_PRIORITY)) | (last ? FLAG_END_HEADERS : 0)
      } else {
        head[3] = FRAME_CONTINUATION
        head[4] = last ? FLAG_END_HEADERS : 0
      }
      streamId.copy(head, 5)
      out.push(head, piece)
    }
    return out
  }
}

/** An entry of the HPACK dynamic table, as far as the rewrite cares. */
interface TableEntry {
  readonly nameLength: number
  readonly isAuthority: boolean
  /** RFC 7541 §4.1: name octets + value octets + 32. */
  readonly size: number
}

/**
 * The decoder's view of an HPACK dynamic table (RFC 7541 §2.3, §4): names only, enough to tell
 * which index means `:authority` and to evict as the peer's decoder does.
 */
export class HpackTable {
  // entries[entries.length - 1] is index 62, the newest.
  readonly #entries: TableEntry[] = []
  #size = 0
  #maxSize = DEFAULT_HEADER_TABLE_SIZE

  /** The entry at `index` (static or dynamic), or undefined if there is none. */
  lookup(index: number): Pick<TableEntry, 'nameLength' | 'isAuthority'> | undefined {
    if (index <= 0) return undefined
    const staticEntry = STATIC_TABLE[index - 1]
    if (staticEntry !== undefined) {
      return { nameLength: staticEntry.nameSize, isAuthority: index === STATIC_AUTHORITY_INDEX }
    }
    return this.#entries[this.#entries.length - 1 - (index - STATIC_TABLE.length - 1)]
  }

  add(nameLength: number, valueLength: number, isAuthority: boolean): void {
    const size = nameLength + valueLength + 32
    this.#entries.push({ nameLength, isAuthority, size })
    this.#size += size
    this.#evict()
  }

  resize(maxSize: number): void {
    this.#maxSize = maxSize
    this.#evict()
  }

  #evict(): void {
    while (this.#size > this.#maxSize) this.#size -= (this.#entries.shift() as TableEntry).size
  }
}

/**
 * Decodes one HPACK header block, updating `table`, and returns it with every `:authority` value
 * that nghttp2 would refuse rewritten into one it accepts (same octet count, raw literal), or
 * undefined if there was none. Throws on a malformed block (then `table` is unusable).
 */
export function rewriteHeaderBlock(block: Buffer, table: HpackTable): Buffer | undefined {
  const pieces: Buffer[] = []
  let copied = 0
  let at = 0
  while (at < block.length) {
    const first = block[at] as number
    if (first & 0x80) {
      // Indexed field (§6.1): a dynamic entry's value was rewritten when it was added.
      at = readInteger(block, at, 7).end
      continue
    }
    if ((first & 0xe0) === 0x20) {
      // Dynamic table size update (§6.3).
      const size = readInteger(block, at, 5)
      table.resize(size.value)
      at = size.end
      continue
    }
    // Literal (§6.2): with incremental indexing (01, 6-bit index), or without / never indexed
    // (0000 / 0001, 4-bit index).
    const indexing = (first & 0xc0) === 0x40
    const nameIndex = readInteger(block, at, indexing ? 6 : 4)
    at = nameIndex.end
    let nameLength: number
    let isAuthority: boolean
    if (nameIndex.value === 0) {
      const name = readString(block, at)
      nameLength = name.octets.length
      isAuthority = name.octets.toString('latin1') === AUTHORITY
      at = name.end
    } else {
      const entry = table.lookup(nameIndex.value)
      if (entry === undefined) throw new RangeError(`HPACK: no table entry ${nameIndex.value}`)
      nameLength = entry.nameLength
      isAuthority = entry.isAuthority
    }
    const valueStart = at
    const value = readString(block, at)
    at = value.end
    if (indexing) table.add(nameLength, value.octets.length, isAuthority)
    if (isAuthority && !isValidAuthority(value.octets)) {
      pieces.push(block.subarray(copied, valueStart), rawString(toValidAuthority(value.octets)))
      copied = at
    }
  }
  if (pieces.length === 0) return undefined
  pieces.push(block.subarray(copied))
  return Buffer.concat(pieces)
}

function isValidAuthority(octets: Buffer): boolean {
  for (const octet of octets) if (AUTHORITY_OCTETS[octet] === 0) return false
  return true
}

/** `http://127.0.0.1:2379` → `http:::127.0.0.1:2379`: '/' becomes ':', anything else refused '_'. */
function toValidAuthority(octets: Buffer): Buffer {
  const out = Buffer.from(octets)
  for (let i = 0; i < out.length; i++) {
    const octet = out[i] as number
    if (AUTHORITY_OCTETS[octet] === 0) out[i] = octet === 0x2f ? 0x3a : 0x5f
  }
  return out
}

/** An integer with an `prefixBits`-bit prefix starting at `block[at]` (RFC 7541 §5.1). */
function readInteger(block: Buffer, at: number, prefixBits: number): { value: number; end: number } {
  const max = (1 << prefixBits) - 1
  let value = (block[at] as number) & max
  let i = at + 1
  if (value < max) return { value, end: i }
  for (let shift = 0; ; shift += 7) {
    // Header blocks never need more than 28 bits; larger means a broken or hostile encoder.
    if (shift > 21) throw new RangeError('HPACK: integer too large')
    const octet = block[i++]
    if (octet === undefined) throw new RangeError('HPACK: truncated integer')
    value += (octet & 0x7f) * 2 ** shift
    if ((octet & 0x80) === 0) return { value, end: i }
  }
}

/** A string literal at `block[at]` (RFC 7541 §5.2), its octets Huffman-decoded. */
function readString(block: Buffer, at: number): { octets: Buffer; end: number } {
  const huffman = ((block[at] as number) & 0x80) !== 0
  const length = readInteger(block, at, 7)
  const end = length.end + length.value
  if (end > block.length) throw new RangeError('HPACK: truncated string')
  if (!huffman) return { octets: block.subarray(length.end, end), end }
  const decoder = hpack.decoder.create()
  decoder.push(block.subarray(at, end))
  const octets = decoder.decodeStr()
  return { octets: Buffer.isBuffer(octets) ? octets : Buffer.from(octets), end }
}

/** A raw (non-Huffman) string literal (RFC 7541 §5.2). */
function rawString(octets: Buffer): Buffer {
  const length: number[] = []
  if (octets.length < 0x7f) length.push(octets.length)
  else {
    length.push(0x7f)
    let rest = octets.length - 0x7f
    while (rest >= 0x80) {
      length.push((rest & 0x7f) | 0x80)
      rest >>>= 7
    }
    length.push(rest)
  }
  return Buffer.concat([Buffer.from(length), octets])
}
