import { FLAGS_BY_NAME, type FlagSpec, type FlagValue } from './flags.js'

/** Where a setting came from. */
export type SettingSource = 'command line' | 'environment' | 'config file'

/**
 * A line to log once the logger exists: what parsing noticed (environment variables used,
 * flags ignored…). Parsing itself never writes anything.
 */
export interface DaemonNotice {
  readonly level: 'debug' | 'info' | 'warn'
  readonly message: string
  readonly fields?: Readonly<Record<string, unknown>>
}

/** The explicitly set flags of one run, by flag name, with their sources. */
export class Settings {
  readonly #values = new Map<string, FlagValue>()
  readonly #sources = new Map<string, SettingSource>()
  readonly #labels = new Map<string, string>()

  /** Sets a flag; `label` names it in messages when it is not `--<name>` (a config-file path). */
  set(name: string, value: FlagValue, source: SettingSource, label?: string): void {
    this.#values.set(name, value)
    this.#sources.set(name, source)
    if (label !== undefined) this.#labels.set(name, label)
  }

  isSet(name: string): boolean {
    return this.#values.has(name)
  }

  source(name: string): SettingSource | undefined {
    return this.#sources.get(name)
  }

  /** How messages name the setting: `--cert-file`, or `client-transport-security.cert-file`. */
  label(name: string): string {
    return this.#labels.get(name) ?? `--${name}`
  }

  /** The value set, or the flag's default. */
  get(name: string): FlagValue {
    return this.#values.get(name) ?? spec(name).defaultValue
  }

  string(name: string): string {
    const value = this.get(name)
    if (typeof value !== 'string') throw new TypeError(`flag ${name} is not a string flag`)
    return value
  }

  number(name: string): number {
    const value = this.get(name)
    if (typeof value !== 'number') throw new TypeError(`flag ${name} is not a numeric flag`)
    return value
  }

  bool(name: string): boolean {
    const value = this.get(name)
    if (typeof value !== 'boolean') throw new TypeError(`flag ${name} is not a boolean flag`)
    return value
  }

  list(name: string): readonly string[] {
    const value = this.get(name)
    if (!Array.isArray(value)) throw new TypeError(`flag ${name} is not a list flag`)
    return value
  }

  /** The names set, in the order first set. */
  names(): string[] {
    return [...this.#values.keys()]
  }
}

function spec(name: string): FlagSpec {
  const found = FLAGS_BY_NAME.get(name)
  if (found === undefined) throw new TypeError(`unknown flag ${name}`)
  return found
}
