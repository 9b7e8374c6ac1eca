import { PROGRAM } from './errors.js'
import { FLAGS, type FlagSpec, SECTIONS } from './flags.js'

/**
 * The short usage Go's flag package prints after a flag error and before `--help` (etcd's
 * `usageline`), to stderr.
 */
export function usageText(): string {
  return `Usage:

  ${PROGRAM} [flags]
    Start an etcd-ts server.

  ${PROGRAM} --version
    Show the version of etcd-ts.

  ${PROGRAM} -h | --help
    Show the help information about etcd-ts.

  ${PROGRAM} --config-file
    Path to the server configuration file. Note that if a configuration file is provided, other command line flags and environment variables will be ignored.

`
}

const MARKS: Partial<Record<FlagSpec['support'], string>> = {
  ignored: '[etcd-ts: accepted; no effect yet, a warning is logged when set]',
  refused: '[etcd-ts: not supported yet; refused unless left at its default]',
}

/** The flag list `--help` prints to stdout (etcd's `flagsline`), generated from the flag table. */
export function helpText(): string {
  let out = '\n'
  for (const section of SECTIONS) {
    const specs = FLAGS.filter((spec) => spec.section === section)
    if (section === 'TO BE DEPRECATED') out += 'TO BE DEPRECATED:\n\n'
    else out += `${section}:\n`
    for (const spec of specs) {
      out += `  --${spec.name} ${spec.defaultText}\n`
      for (const line of spec.usage.split('\n')) out += `    ${line}\n`
      const mark = MARKS[spec.support]
      if (mark !== undefined) out += `    ${mark}\n`
    }
    out += '\n'
    if (section === 'Unsafe feature') {
      out += 'CAUTIOUS with unsafe flag! It may break the guarantees given by the consensus protocol!\n\n'
    }
  }
  out +=
    'Every flag can also be set with an ETCD_* environment variable (--data-dir: ETCD_DATA_DIR); a flag and its variable must not both be set.\n'
  return out
}
