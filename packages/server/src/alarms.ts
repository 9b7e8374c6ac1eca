import { AlarmMember, type AlarmMemberInit, AlarmType } from '@etcd-ts/api'
import { type Backend, Buckets } from '@etcd-ts/backend'

const EMPTY = new Uint8Array(0)

/** One raised alarm: which member, which kind (etcd's `pb.AlarmMember`). */
export interface Alarm {
  readonly memberId: bigint
  readonly alarm: AlarmType
}

/**
 * The alarms raised in the cluster (etcd's `v3alarm.AlarmStore`), persisted in the `alarm`
 * bucket (key: the marshaled `AlarmMember`, value: empty) and reloaded at boot.
 */
export class AlarmStore {
  readonly #backend: Backend
  // kind → member ID → alarm
  readonly #alarms = new Map<AlarmType, Map<bigint, Alarm>>()

  constructor(backend: Backend) {
    this.#backend = backend
  }

  /** Loads the persisted alarms (creating the bucket). */
  async recover(): Promise<void> {
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafeCreateBucket(Buckets.Alarm)
    } finally {
      tx.unlock()
    }
    this.#alarms.clear()
    await this.#backend.readTx().unsafeForEach(Buckets.Alarm, (key) => {
      const member = AlarmMember.decode(key)
      this.#add({ memberId: member.memberID, alarm: member.alarm })
    })
  }

  /** The alarms of one kind, or of every kind for `AlarmType.NONE`. */
  get(kind: AlarmType): Alarm[] {
    if (kind === AlarmType.NONE) {
      const all: Alarm[] = []
      for (const byMember of this.#alarms.values()) all.push(...byMember.values())
      return all
    }
    return [...(this.#alarms.get(kind)?.values() ?? [])]
  }

  /** Whether any alarm of `kind` is raised. */
  has(kind: AlarmType): boolean {
    return (this.#alarms.get(kind)?.size ?? 0) > 0
  }

  /** Raises an alarm (persisted in the current batch); undefined if it was raised already. */
  activate(memberId: bigint, kind: AlarmType): Alarm | undefined {
    const existing = this.#alarms.get(kind)?.get(memberId)
    if (existing !== undefined) return existing
    const alarm: Alarm = { memberId, alarm: kind }
    this.#add(alarm)
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafePut(Buckets.Alarm, encodeAlarmKey(alarm), EMPTY)
    } finally {
      tx.unlock()
    }
    return alarm
  }

  /** Clears an alarm; undefined if it was not raised. */
  deactivate(memberId: bigint, kind: AlarmType): Alarm | undefined {
    const byMember = this.#alarms.get(kind)
    const alarm = byMember?.get(memberId)
    if (byMember === undefined || alarm === undefined) return undefined
    byMember.delete(memberId)
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafeDelete(Buckets.Alarm, encodeAlarmKey(alarm))
    } finally {
      tx.unlock()
    }
    return alarm
  }

  #add(alarm: Alarm): void {
    let byMember = this.#alarms.get(alarm.alarm)
    if (byMember === undefined) {
      byMember = new Map()
      this.#alarms.set(alarm.alarm, byMember)
    }
    byMember.set(alarm.memberId, alarm)
  }
}

function encodeAlarmKey(alarm: Alarm): Uint8Array {
  const init: AlarmMemberInit = { memberID: alarm.memberId, alarm: alarm.alarm }
  return AlarmMember.encode(init)
}

/** How etcd prints an alarm in Status errors (gogo's compact text): `memberID:123 alarm:NOSPACE `. */
export function describeAlarm(alarm: Alarm): string {
  const name = alarm.alarm === AlarmType.NOSPACE ? 'NOSPACE' : alarm.alarm === AlarmType.CORRUPT ? 'CORRUPT' : 'NONE'
  return `memberID:${alarm.memberId.toString()} alarm:${name} `
}
