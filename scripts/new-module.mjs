#!/usr/bin/env node
// npm run new:module NAME [-- --description "…"] — creates packages/apps/NAME, a working
// application package on the module contract (CONTRIBUTING.md walks through it), and lists it in
// the distribution. The result type-checks, passes its own tests and serves its route; replace
// the example "entry" with the application's own records.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    description: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
    'no-distribution': { type: 'boolean', default: false },
    into: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
const usage = `usage: npm run new:module NAME [-- --description TEXT] [--no-install] [--no-distribution] [--into DIR]

Creates packages/apps/NAME (schema, module, routes, client, app, CLI commands, a portal page,
tests, README) and adds the module to packages/distribution (one line each in src/index.ts,
src/cli.ts and src/portal.ts, plus its dependency and build reference). NAME: a lowercase module name, [a-z][a-z0-9_]{1,31}, e.g. evidence or invoice.
--into DIR writes the package under DIR (a folder two levels below the repository root, like
packages/apps) instead; the template's own test uses it with --no-install --no-distribution.`
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const name = positionals[0]
if (name === undefined || !/^[a-z][a-z0-9_]{1,31}$/.test(name) || name === 'sys') {
  console.error(`new:module: ${name === undefined ? 'NAME is missing' : `bad NAME "${name}"`}\n\n${usage}`)
  process.exit(2)
}
const dir = join(values.into === undefined ? join(root, 'packages/apps') : values.into, name)
if (existsSync(dir)) {
  console.error(`new:module: ${dir} exists already`)
  process.exit(1)
}
const camel = name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const Pascal = camel[0].toUpperCase() + camel.slice(1)
const UPPER = name.toUpperCase()
const description = values.description ?? `The ${name} application of govchain`

const files = {
  'package.json': `${JSON.stringify(
    {
      name: `@govchain/${name}`,
      version: '0.1.0',
      description,
      type: 'module',
      license: 'Apache-2.0',
      exports: Object.fromEntries(
        [
          ['.', 'index'],
          ['./schema', 'schema'],
          ['./labels', 'labels'],
          ['./client', 'client'],
          ['./cli', 'cli'],
          ['./portal', 'portal', 'tsx'],
        ].map(([k, f, ext = 'ts']) => [
          k,
          { development: `./src/${f}.${ext}`, types: `./dist/${f}.d.ts`, default: `./dist/${f}.js` },
        ]),
      ),
      files: ['dist', 'src', 'README.md'],
      sideEffects: ['./src/schema.ts', './dist/schema.js'],
      dependencies: {
        '@govchain/app': '*',
        '@govchain/client': '*',
        '@govchain/core': '*',
        '@govchain/identity': '*',
        '@govchain/portal-kit': '*',
        '@sinclair/typebox': '^0.34.52',
        commander: '^14.0.3',
      },
      peerDependencies: { react: '^19.3.1' },
      devDependencies: { '@govchain/distribution': '*', '@types/react': '^19.3.0' },
    },
    null,
    2,
  )}\n`,
  'tsconfig.build.json': `${JSON.stringify(
    {
      extends: '../../../tsconfig.build.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo', jsx: 'react-jsx' },
      include: ['src/**/*.ts', 'src/**/*.tsx'],
      references: ['../../app', '../../client', '../../core', '../identity', '../../portal-kit'].map((p) => ({
        path: `${p}/tsconfig.build.json`,
      })),
    },
    null,
    2,
  )}\n`,
  'README.md': `# @govchain/${name}

${description}.

This package is one govchain application on the module contract (CONTRIBUTING.md):

| file | what it holds | runs in |
| --- | --- | --- |
| \`src/schema.ts\` | codecs, state keys, error codes, the typed reference \`${camel}Ref\` | node and browser |
| \`src/labels.ts\` | zh/en names of its events and error codes (ADR 0042), \`@govchain/${name}/labels\` | browser (explorer, operations console) |
| \`src/module.ts\` | handlers, queries, keeper: the deterministic state machine | node |
| \`src/routes.ts\` | REST routes under \`/v1/${name}\`, with request and response schemas | node |
| \`src/client.ts\` | one function per action, re-exported by the SDK | node and browser |
| \`src/app.ts\` | \`${camel}App\`: the module as the distribution lists it (version, requires, routes) | node |
| \`src/cli.ts\` | \`govchain ${name} …\` commands: \`registerCommands(program, ctx)\` over a \`CliContext\` | node (the CLI) |
| \`src/portal.tsx\` | \`${camel}Pages\`: its portal pages (\`PortalPage\`) and their zh/en messages | browser (the portal) |

## Transactions

| module.method | signer | arguments | errors |
| --- | --- | --- | --- |
| \`${name}.put\` | an active registrar officer | \`{id, digest (32 bytes), note?}\` | \`${UPPER}_EXISTS\`, \`${UPPER}_BAD_ID\`, \`${UPPER}_BAD_NOTE\`, \`IDENTITY_*\` |

## Routes

- \`GET /v1/${name}/entries/{id}?prove=true\` → \`{entry, state}\` (\`${UPPER}_NOT_FOUND\` when absent).

## Privacy

The chain stores digests and short non-personal notes only; never personal data, in clear or as an
unkeyed hash (the privacy scan test covers this module once it is in the distribution).
`,
  'src/schema.ts': `/**
 * The \`${name}\` module's wire types, state keys and error codes, shared by the node and by
 * clients (browser-safe: it imports only core and the module reference).
 */
import { moduleRef } from '@govchain/app/ref'
import { codec, type ErrorInfo, hash32, publicKey, registerErrors, utf8 } from '@govchain/core'
import type { ${Pascal}Keeper } from './module.ts'

const { option, string, struct, u64 } = codec

export const ${UPPER}_MODULE = '${name}'
export const ${UPPER}_METHODS = { put: 'put' } as const

/** This application's typed reference: other applications put it in \`requires\` and call \`ctx.keeper(${camel}Ref)\`. */
export const ${camel}Ref = moduleRef<${Pascal}Keeper>()(${UPPER}_MODULE)

export const ${UPPER}_LIMITS = { idBytes: 64, noteBytes: 256 } as const

/** Entry ids: short, lowercase, safe in URLs and state keys. */
export const ${UPPER}_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** The module's error codes, merged into the one catalogue (HTTP status and message). */
export const ${UPPER}_ERRORS = {
  ${UPPER}_EXISTS: { http: 409, message: 'an entry with this id exists already' },
  ${UPPER}_NOT_FOUND: { http: 404, message: 'no entry with this id' },
  ${UPPER}_BAD_ID: { http: 400, message: 'id must be 1-64 characters of [a-z0-9._-], starting with a letter or digit' },
  ${UPPER}_BAD_NOTE: { http: 400, message: 'note must be at most 256 bytes of printable text without digits runs' },
} as const satisfies Record<string, ErrorInfo>
registerErrors(${UPPER}_MODULE, ${UPPER}_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof ${UPPER}_ERRORS, true> {}
}

/** Arguments of \`${name}.put\`. */
export const ${Pascal}PutArgs = struct({
  id: string(${UPPER}_LIMITS.idBytes),
  digest: hash32,
  note: option(string(${UPPER}_LIMITS.noteBytes)),
})
export type ${Pascal}PutArgs = codec.Infer<typeof ${Pascal}PutArgs>

/** What the module stores under \`entry/<id>\`: the arguments plus who and when (block time). */
export const ${Pascal}Entry = struct({
  id: string(${UPPER}_LIMITS.idBytes),
  digest: hash32,
  note: option(string(${UPPER}_LIMITS.noteBytes)),
  orgId: string(64),
  submitter: publicKey,
  height: u64,
  timeMs: u64,
})
export type ${Pascal}Entry = codec.Infer<typeof ${Pascal}Entry>

/** The module-local state key of an entry. */
export function ${camel}EntryKey(id: string): Uint8Array {
  return utf8(\`entry/\${id}\`)
}
`,
  'src/module.ts': `/**
 * Module \`${name}\`: the deterministic state machine (handlers, queries, keeper). No wall clock,
 * randomness or I/O: everything a handler may depend on is in its context.
 *
 *   put({id, digest, note?})  an active registrar officer records an entry under its id; an id
 *                             recorded before fails with ${UPPER}_EXISTS and changes nothing.
 *
 * Events: \`${name}.put\` {id, orgId}. Keeper (for other modules): { get(id) }.
 */
import { handler, type KeeperContext, type Module, query, type ReadonlyModuleState } from '@govchain/app'
import { codec, toHex, utf8 } from '@govchain/core'
import { identityRef } from '@govchain/identity/schema'
import {
  ${UPPER}_ERRORS,
  ${UPPER}_ID_PATTERN,
  ${UPPER}_LIMITS,
  ${UPPER}_MODULE,
  ${Pascal}Entry,
  ${camel}EntryKey,
  ${Pascal}PutArgs,
} from './schema.ts'

export interface ${Pascal}Keeper {
  get(id: string): ${Pascal}Entry | undefined
}

/** Notes are public to every member and never erased: no long digit runs (ID, phone numbers). */
const NOTE_FORBIDDEN = /\\p{Cc}|[0-9]{6,}/u

function read(state: ReadonlyModuleState, id: string): ${Pascal}Entry | undefined {
  const v = state.get(${camel}EntryKey(id))
  return v === undefined ? undefined : codec.decode(${Pascal}Entry, v)
}

export function render${Pascal}Entry(e: ${Pascal}Entry) {
  return {
    id: e.id,
    digest: toHex(e.digest),
    note: e.note ?? null,
    orgId: e.orgId,
    submitter: toHex(e.submitter),
    height: e.height,
    timeMs: e.timeMs,
  }
}

export const ${camel}Module = {
  name: ${UPPER}_MODULE,
  errors: ${UPPER}_ERRORS,
  events: { put: { description: 'an entry was recorded', attributes: ['id', 'orgId'] } },
  handlers: {
    put: handler(${Pascal}PutArgs, (ctx, args) => {
      if (!${UPPER}_ID_PATTERN.test(args.id)) ctx.fail('${UPPER}_BAD_ID')
      if (args.note !== undefined && (utf8(args.note).length > ${UPPER}_LIMITS.noteBytes || NOTE_FORBIDDEN.test(args.note))) {
        ctx.fail('${UPPER}_BAD_NOTE')
      }
      const officer = ctx.keeper(identityRef).requireOfficer(ctx.sender, 'registrar')
      const key = ${camel}EntryKey(args.id)
      if (ctx.state.has(key)) ctx.fail('${UPPER}_EXISTS', undefined, { id: args.id })
      const entry: ${Pascal}Entry = {
        id: args.id,
        digest: args.digest,
        ...(args.note === undefined ? {} : { note: args.note }),
        orgId: officer.orgId,
        submitter: ctx.sender,
        height: ctx.height,
        timeMs: ctx.timeMs,
      }
      ctx.state.set(key, codec.encode(${Pascal}Entry, entry))
      ctx.emit('put', { id: args.id, orgId: officer.orgId })
    }),
  },
  queries: {
    get: query(
      codec.string(${UPPER}_LIMITS.idBytes),
      (id) => ${camel}EntryKey(id),
      (value) => (value === undefined ? undefined : render${Pascal}Entry(codec.decode(${Pascal}Entry, value))),
    ),
  },
  keeper: (ctx: KeeperContext): ${Pascal}Keeper => ({ get: (id) => read(ctx.state, id) }),
  renderState: (_key, value) => render${Pascal}Entry(codec.decode(${Pascal}Entry, value)),
} satisfies Module
`,
  'src/routes.ts': `/** The \`${name}\` module's REST routes, served by the node under /v1/${name}. */
import {
  type ApiExtension,
  Hex32,
  HexBytes,
  INTERNAL,
  INVALID,
  Int,
  type ModuleApiContext,
  Nullable,
  type RouteSpec,
  StateSchema,
  err,
  stateJson,
} from '@govchain/app'
import { codec, GovchainError } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'
import { render${Pascal}Entry } from './module.ts'
import { ${UPPER}_MODULE, ${Pascal}Entry, ${camel}EntryKey } from './schema.ts'

/** An answer's schema (TypeBox, docs/adr/0019): fastify serialises with it and clients type with Static<>. */
export const EntryView = Type.Object({
  id: Type.String(),
  digest: Hex32,
  note: Nullable(Type.String()),
  orgId: Type.String(),
  submitter: HexBytes,
  height: Int,
  timeMs: Int,
})
export type EntryView = Static<typeof EntryView>
export const EntryAnswer = Type.Object({ entry: EntryView, state: StateSchema })

export const ${UPPER}_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/${name}/entries/:id',
    operationId: '${camel}GetEntry',
    summary: 'An entry, with a state proof on request',
    description: 'The entry recorded under \`id\`; with prove=true the answer carries the state proof.',
    tag: ${UPPER}_MODULE,
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' } },
    },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { prove: { type: 'string', enum: ['true', 'false'] } },
    },
    responses: {
      200: {
        description: 'the entry and the state answer it came from',
        schema: EntryAnswer,
      },
      400: INVALID,
      404: err('no entry with this id (${UPPER}_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
]

export function ${camel}Api(ctx: ModuleApiContext): ApiExtension {
  return {
    name: ${UPPER}_MODULE,
    routes: ${UPPER}_ROUTES,
    register(app, spec) {
      app.route<{ Params: { id: string }; Querystring: { prove?: string } }>({
        ...spec('${camel}GetEntry'),
        handler: async (request) => {
          const s = ctx.state(${UPPER}_MODULE, ${camel}EntryKey(request.params.id), { prove: request.query.prove === 'true' })
          if (s.value === undefined) throw new GovchainError('${UPPER}_NOT_FOUND')
          return { entry: render${Pascal}Entry(codec.decode(${Pascal}Entry, s.value)), state: stateJson(s) }
        },
      })
    },
  }
}
`,
  'src/client.ts': `/** Client actions of the \`${name}\` module, one function per action (re-exported by the SDK). */
import { type BuiltTx, buildTx } from '@govchain/client'
import { type CryptoSuite, encode, type SigningKey } from '@govchain/core'
import { ${UPPER}_METHODS, ${UPPER}_MODULE, ${Pascal}PutArgs } from './schema.ts'

export interface ${Pascal}PutOptions {
  suite: CryptoSuite
  chainId: string
  /** A registrar officer's key (bytes, or a signer from a keystore or token). */
  privateKey: SigningKey
  id: string
  /** 32-byte digest of the off-chain record (the record itself never goes on chain). */
  digest: Uint8Array
  /** Optional non-personal note (≤ 256 bytes). */
  note?: string
  nonce?: number
  validUntilHeight: number
}

/** Builds and signs a \`${name}.put\` transaction. */
export function ${camel}Put(o: ${Pascal}PutOptions): BuiltTx {
  return buildTx({
    suite: o.suite,
    chainId: o.chainId,
    privateKey: o.privateKey,
    module: ${UPPER}_MODULE,
    method: ${UPPER}_METHODS.put,
    args: encode(${Pascal}PutArgs, { id: o.id, digest: o.digest, ...(o.note === undefined ? {} : { note: o.note }) }),
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
    validUntilHeight: o.validUntilHeight,
  })
}
`,
  'src/app.ts': `/** The ${name} application as a distribution lists it: its module with version, requires and routes. */
import { defineModule } from '@govchain/app'
import { identityRef } from '@govchain/identity/schema'
import { type ${Pascal}Keeper, ${camel}Module } from './module.ts'
import { ${camel}Api } from './routes.ts'

export const ${camel}App = defineModule<'${name}', ${Pascal}Keeper>({
  ...${camel}Module,
  name: '${name}',
  version: '0.1.0',
  requires: [identityRef],
  routes: ${camel}Api,
})
`,
  'src/cli.ts': `/**
 * \`govchain ${name} put\`: the module's commands. The CLI registers them from the distribution's
 * list (@govchain/distribution/cli); key files, the signer and the commit wait come through
 * \`ctx\` (@govchain/app/cli, ADR 0020).
 */
import type { CliContext } from '@govchain/app/cli'
import { fromHex, GovchainError } from '@govchain/core'
import type { Command } from 'commander'
import { ${camel}Put } from './client.ts'

export function registerCommands(program: Command, ctx: CliContext): void {
  const cmd = program.command('${name}').description('${description.replaceAll("'", "\\'")}')
  cmd
    .command('put')
    .description('record the digest of an off-chain entry (a registrar officer signs)')
    .requiredOption('--key <file>', "a registrar officer's key file")
    .requiredOption('--id <id>', 'entry id')
    .requiredOption('--digest <hex>', '32-byte digest of the off-chain record, hex')
    .option('--note <text>', 'non-personal note (at most 256 bytes)')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE or http://127.0.0.1:7701)')
    .action(async (o: { key: string; id: string; digest: string; note?: string; node?: string }) => {
      if (!/^[0-9a-fA-F]{64}$/.test(o.digest)) throw new GovchainError('INVALID_ARGUMENT', '--digest must be 32 bytes of hex')
      const { client, common } = await ctx.signer(o)
      const tx = ${camel}Put({
        ...common,
        id: o.id,
        digest: fromHex(o.digest),
        ...(o.note === undefined ? {} : { note: o.note }),
      })
      await ctx.submitAndWait(client, tx)
    })
}
`,
  'src/labels.ts': `/**
 * What people read for the module's events and error codes, in Chinese and English (ADR 0042):
 * the explorer and the operations console show these names, the raw code behind 详情. A code
 * added to ${UPPER}_ERRORS without a label fails to type-check here; an emitted event without one
 * fails the distribution's portal-contract test.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { ${UPPER}_ERRORS } from './schema.ts'

const events = {
  put: ['登记条目', 'Entry recorded'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof ${UPPER}_ERRORS, Label> = {
  ${UPPER}_EXISTS: ['该条目已存在', 'An entry with this id exists already'],
  ${UPPER}_NOT_FOUND: ['条目不存在', 'No entry with this id'],
  ${UPPER}_BAD_ID: ['标识格式不正确', 'The id is not 1-64 characters of [a-z0-9._-]'],
  ${UPPER}_BAD_NOTE: ['备注格式不正确', 'The note is too long or not printable text'],
}

export const ${UPPER}_LABELS: ModuleLabels = { events, errors }
`,
  'src/portal.tsx': `/**
 * The module's portal pages (\`@govchain/${name}/portal\`, ADR 0020), listed by the distribution
 * (@govchain/distribution/portal): the portal routes \`/${name}\` here and lists it in its
 * navigation and on its home page. Strings come from the messages below, in zh and en.
 */
import { Card, type Messages, type PortalPage, withMessages } from '@govchain/portal-kit'

export const ${UPPER}_MESSAGES = {
  '${name}.title': ['${name}', '${name}'],
  '${name}.lead': ['本应用的页面（由模板生成）。', 'This application\\'s page (from the template).'],
} as const satisfies Messages

const { useApp } = withMessages(${UPPER}_MESSAGES)

export function ${Pascal}Page() {
  const { t } = useApp()
  return (
    <div className="page">
      <h1>{t('${name}.title')}</h1>
      <Card>
        <p>{t('${name}.lead')}</p>
      </Card>
    </div>
  )
}

export const ${camel}Pages: readonly PortalPage[] = [
  {
    path: '/${name}',
    nav: {
      label: { zh: '${name}', en: '${name}' },
      description: { zh: '${description.replaceAll("'", "\\'")}', en: '${description.replaceAll("'", "\\'")}' },
      icon: '${name[0].toUpperCase()}',
    },
    component: () => <${Pascal}Page />,
    messages: ${UPPER}_MESSAGES,
  },
]
`,
  'src/index.ts': `export * from './app.ts'
export * from './client.ts'
export * from './module.ts'
export * from './routes.ts'
export * from './schema.ts'
`,
  [`test/${name}.test.ts`]: `/**
 * The ${name} module through real blocks with the built-in identity module: a registrar records
 * an entry; duplicates, bad ids, personal-looking notes, officers without the role and unknown
 * keys are refused with codes and change nothing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ModuleRegistry } from '@govchain/app'
import { suites } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import { GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { ${camel}App, type ${Pascal}Keeper } from '../src/index.ts'
import { ${UPPER}_MODULE, ${Pascal}PutArgs } from '../src/schema.ts'

for (const suite of [suites.intl, suites.gm]) {
  describe(\`${name} (\${suite.name})\`, () => {
    const modules = new ModuleRegistry([...BUILTIN_MODULES.filter((m) => m.name !== ${UPPER}_MODULE), ${camel}App])
    const digest = new Uint8Array(32).fill(7)
    const put = (from: { publicKey: Uint8Array; privateKey: Uint8Array }, args: ${Pascal}PutArgs) =>
      tx(suite, from, ${UPPER}_MODULE, 'put', ${Pascal}PutArgs, args)

    it('a registrar records an entry; the keeper reads it back', () => {
      const c = makeConsortium(suite, 4)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const [r] = g.step([put(c.operators.market!, { id: 'case-1', digest, note: 'first' })])
      assert.equal(r!.code, 'OK')
      const e = g.keeper<${Pascal}Keeper>(${UPPER}_MODULE).get('case-1')
      assert.equal(e?.orgId, 'market')
      assert.deepEqual(e?.digest, digest)
      assert.equal(e?.note, 'first')
    })

    it('refuses duplicates, bad ids and notes with digit runs, changing nothing', () => {
      const c = makeConsortium(suite, 4)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      g.step([put(c.operators.market!, { id: 'case-1', digest })])
      const codes = g
        .step([
          put(c.operators.housing!, { id: 'case-1', digest: new Uint8Array(32) }),
          put(c.operators.housing!, { id: 'Case 2', digest }),
          put(c.operators.housing!, { id: 'case-3', digest, note: '110101199003077777' }),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, ['${UPPER}_EXISTS', '${UPPER}_BAD_ID', '${UPPER}_BAD_NOTE'])
      const k = g.keeper<${Pascal}Keeper>(${UPPER}_MODULE)
      assert.equal(k.get('case-1')?.orgId, 'market')
      assert.equal(k.get('case-3'), undefined)
    })

    it('a key no module registered never reaches a block', () => {
      const c = makeConsortium(suite, 4)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const { results, dropped } = g.stepAll([put(suite.generateKeyPair(), { id: 'x-1', digest })])
      assert.deepEqual(results, [])
      assert.deepEqual(dropped, ['TX_SENDER_UNREGISTERED'])
    })
  })
}
`,
}

for (const [file, text] of Object.entries(files)) {
  const path = join(dir, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  console.log(`created ${join(dir, file)}`)
}

if (!values['no-distribution']) {
  // The one line of the distribution, plus its dependency and build reference.
  const indexPath = join(root, 'packages/distribution/src/index.ts')
  let index = readFileSync(indexPath, 'utf8')
  index = index.replace(
    /(export const BUILTIN_MODULES: readonly Module\[\] = \[)([^\]]*)\]/,
    (_, head, list) => `${head}${list.trimEnd().replace(/,$/, '')}, ${camel}App]`,
  )
  index = index.replace(/(\nexport \* from '@govchain\/)/, `\nimport { ${camel}App } from '@govchain/${name}'$1`)
  index = index.replace(/(\nexport \* from '@govchain\/sharing'\n)/, `$1export * from '@govchain/${name}'\n`)
  writeFileSync(indexPath, index)
  const pkgPath = join(root, 'packages/distribution/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'))
  pkg.dependencies = Object.fromEntries(Object.entries({ ...pkg.dependencies, [`@govchain/${name}`]: '*' }).sort())
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`)
  const tsPath = join(root, 'packages/distribution/tsconfig.build.json')
  const ts = JSON.parse(readFileSync(tsPath, 'utf8'))
  ts.references.push({ path: `../apps/${name}/tsconfig.build.json` })
  writeFileSync(tsPath, `${JSON.stringify(ts, null, 2)}\n`)
  // Its commands and pages, beside the built-in applications'.
  const cliPath = join(root, 'packages/distribution/src/cli.ts')
  let cli = readFileSync(cliPath, 'utf8')
  cli = cli.replace(
    /(\nimport type \{ CliApp \})/,
    `\nimport { registerCommands as ${camel}Commands } from '@govchain/${name}/cli'$1`,
  )
  cli = cli.replace(
    /(export const BUILTIN_CLI[^\n]*\n(?: {2}[^\n]*\n)*)\]/,
    `$1  { name: '${name}', registerCommands: ${camel}Commands },\n]`,
  )
  writeFileSync(cliPath, cli)
  const portalPath = join(root, 'packages/distribution/src/portal.ts')
  let portal = readFileSync(portalPath, 'utf8')
  portal = portal.replace(
    /(\nimport type \{ PortalPage \})/,
    `\nimport { ${camel}Pages } from '@govchain/${name}/portal'$1`,
  )
  portal = portal.replace(
    /(export const BUILTIN_PAGES[^\n]*\n(?: {2}[^\n]*\n)*)\]/,
    `$1  { name: '${name}', pages: ${camel}Pages },\n]`,
  )
  writeFileSync(portalPath, portal)
  const labelsPath = join(root, 'packages/distribution/src/labels.ts')
  let labels = readFileSync(labelsPath, 'utf8')
  labels = labels.replace(
    /(\nimport type \{ Label, ModuleLabels \})/,
    `\nimport { ${UPPER}_LABELS } from '@govchain/${name}/labels'$1`,
  )
  labels = labels.replace(
    /(export const BUILTIN_LABELS[^\n]*\n(?: {2}[^\n]*\n)*)\}/,
    `$1  ${name}: ${UPPER}_LABELS,\n}`,
  )
  writeFileSync(labelsPath, labels)
  console.log(
    'listed in packages/distribution (src/index.ts, src/cli.ts, src/portal.ts, src/labels.ts, package.json, tsconfig.build.json)',
  )
}
try {
  execFileSync(join(root, 'node_modules/.bin/biome'), ['check', '--write', dir, join(root, 'packages/distribution')], {
    stdio: 'ignore',
  })
} catch {
  console.error(`biome left findings in the new files: run npx biome check ${dir}`)
}
if (!values['no-install']) {
  console.log('linking the new workspace package (npm install) …')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: root, stdio: 'inherit' })
}
console.log(`
next:
  node scripts/test.mjs packages/apps/${name}      # its tests
  npm run typecheck && npm run lint
  edit packages/apps/${name}/src/schema.ts and module.ts: replace the example entry with your records
  add its client to packages/sdk/src/index.ts if browser or SDK users need it`)
