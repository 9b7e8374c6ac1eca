// usageText and helpText: what `--help` prints, generated from the flag table.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FLAGS, SECTIONS } from '../src/flags.js'
import { helpText, usageText } from '../src/usage.js'

describe('usageText (etcd usageline)', () => {
  it('shows the three ways to run etcd-ts and the config-file rule', () => {
    const text = usageText()
    assert.match(text, /^Usage:\n\n {2}etcd-ts \[flags\]\n {4}Start an etcd-ts server\.\n/)
    assert.ok(text.includes('  etcd-ts --version\n'))
    assert.ok(text.includes('  etcd-ts -h | --help\n'))
    assert.ok(text.includes('other command line flags and environment variables will be ignored'))
  })
})

describe('helpText (etcd flagsline)', () => {
  const text = helpText()

  it('lists every documented flag with its default, in its section', () => {
    for (const spec of FLAGS) {
      const line = `  --${spec.name} ${spec.defaultText}\n`
      if (spec.section === undefined) assert.equal(text.includes(line), false, `${spec.name} is hidden`)
      else assert.ok(text.includes(line), spec.name)
    }
  })

  it("keeps etcd's section order", () => {
    let last = -1
    for (const section of SECTIONS) {
      const at = text.indexOf(section === 'TO BE DEPRECATED' ? 'TO BE DEPRECATED:' : `\n${section}:\n`)
      assert.ok(at > last, section)
      last = at
    }
  })

  it('marks the flags etcd-ts ignores or refuses', () => {
    const after = (flag: string) => text.slice(text.indexOf(`  --${flag} `)).split('\n  --')[0] ?? ''
    assert.ok(after('cert-file').includes('[etcd-ts: not supported yet; refused unless left at its default]'))
    assert.ok(after('enable-v2').includes('[etcd-ts: accepted; no effect yet, a warning is logged when set]'))
    assert.equal(after('snapshot-count').includes('[etcd-ts:'), false)
  })

  it('mentions the ETCD_* variables', () => {
    assert.ok(text.includes('ETCD_DATA_DIR'))
  })
})
