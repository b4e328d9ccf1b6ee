/**
 * Records (or checks) the recorded chain: a fixed genesis and blocks of signed transactions
 * that exercise every method of every module, successful and failing, with the header fields
 * and result codes they produce. See docs/recorded-chain.md.
 *
 *   npm run record:chain                                   both suites, to packages/node/test/fixtures/
 *   npm run record:chain -- --suite intl --out file.json   one suite, to a file
 *   npm run record:chain -- --check file.json [...]        replay a recording, print the first difference
 *   npm run record:chain -- --extend [file.json ...]       append the extensions a recording lacks
 *
 * One process, no network, no wall clock: keys come from fixed seeds, block times are fixed, so
 * an intl recording is byte-for-byte reproducible (Ed25519 signs deterministically); SM2
 * signatures are randomized, so a gm recording differs at each run and its bytes are the fixture.
 *
 * Every transaction of the scenario states the code it is meant to get; recording stops, and
 * writes nothing, when one gets another (or is left out as inadmissible): a fixture whose
 * successes silently became failures would prove little.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { AnchorPutArgs } from '@govchain/anchor/schema'
import { CatalogPublishArgs, CatalogSetGatewayArgs } from '@govchain/catalog/schema'
import {
  codec,
  concatBytes,
  DOMAIN,
  demoCreditCode,
  fromHex,
  getSuite,
  type SuiteName,
  signingBytes,
  toHex,
  utf8,
  Vote,
} from '@govchain/core'
import { EvidenceArgs, type ProposalAction, ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import {
  AddOfficerArgs,
  CreateDidArgs,
  DidArgs,
  deriveDid,
  OfficerIdArgs,
  RotateDidKeyArgs,
  RotateOfficerKeyArgs,
  SetOfficerRolesArgs,
  SetPseudonymArgs,
} from '@govchain/identity/schema'
import {
  AmendArgs,
  DefineTypeArgs,
  GrantUseArgs,
  IssueArgs,
  licenseId,
  licenseIdWithVersion,
  RecordUseArgs,
  RenewArgs,
  RevokeArgs,
  SetIssuerArgs,
  StatusChangeArgs,
  WithdrawGrantArgs,
} from '@govchain/license/schema'
import {
  DOMAIN_SHARING,
  ReceiptBody,
  SharingDecideArgs,
  SharingReceiptArgs,
  SharingRefusalArgs,
  SharingRequestArgs,
  SharingRevokeArgs,
  subjectPseudonym,
} from '@govchain/sharing/schema'
import { DEMO_DEPARTMENTS } from '../packages/node/src/home.ts'
import {
  coverageGaps,
  describeMismatches,
  methodOf,
  RECORDING_BYTES_MAX,
  RECORDING_FORMAT,
  type Recording,
  readRecording,
  recordingModules,
  replayRecording,
} from '../packages/node/test/recorded-chain-fixtures.ts'
import type { ExtensionContext } from './recorded-chain/extension.ts'
import { EXTENSIONS } from './recorded-chain/index.ts'
import {
  DAY_MS,
  FAKE_CA_PEM,
  GENESIS_TIME_MS,
  keyOf,
  makeGenesis,
  ORGS,
  type Org,
  Recorder,
  type Signer,
} from './recorded-chain/recorder.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const FIXTURES = join(ROOT, 'packages/node/test/fixtures')
const defaultOut = (suite: SuiteName) => join(FIXTURES, `recorded-chain-${suite}.json`)

const HELP = `Records the recorded-chain fixture, or replays one and compares (docs/recorded-chain.md).

Usage:
  node -C development --import tsx scripts/record-chain.ts [--suite gm|intl|all] [--out <file>]
  node -C development --import tsx scripts/record-chain.ts --check <file> [<file>...]
  node -C development --import tsx scripts/record-chain.ts --extend [<file>...]

  --suite <s>    gm, intl or all (default all: both suites, each to
                 packages/node/test/fixtures/recorded-chain-<suite>.json)
  --out <file>   where to write (one suite only; default the fixture path above)
  --check        replay the given recordings with the current code; prints the first
                 difference (block, field, recorded and replayed values, and the first
                 transaction after which the state root differs); exit code 1 if any
  --extend       append to each recording (default: both fixtures) the blocks of every
                 extension in scripts/recorded-chain/index.ts it does not list yet; its
                 blocks are replayed first and kept byte-identical (a new module's way in)
  -h, --help     this text

Regenerate only when a change is meant to change state, and say so in the commit message.
(npm run record:chain -- <options> runs the same.)`

// ---------------------------------------------------------------- keys and scenario helpers

/** The JSON text of a recording, laid out as biome formats JSON (so `biome check` accepts the file as written). */
function toJsonText(value: unknown): string {
  const WIDTH = 120
  const out = (v: unknown, indent: string, prefixLength: number, trailing: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v)
    const inner = `${indent}  `
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]'
      if (v.every((x) => x === null || typeof x !== 'object' || (Array.isArray(x) && x.length === 0))) {
        const flat = `[${v.map((x) => JSON.stringify(x)).join(', ')}]`
        if (prefixLength + flat.length + trailing <= WIDTH) return flat
      }
      if (v.every((x) => Array.isArray(x) && x.every((y) => y === null || typeof y !== 'object'))) {
        // Arrays of short flat arrays (event attribute pairs) collapse like any array that fits.
        const flat = `[${v.map((x) => `[${(x as unknown[]).map((y) => JSON.stringify(y)).join(', ')}]`).join(', ')}]`
        if (prefixLength + flat.length + trailing <= WIDTH) return flat
      }
      const items = v.map((x, i) => inner + out(x, inner, inner.length, i < v.length - 1 ? 1 : 0))
      return `[\n${items.join(',\n')}\n${indent}]`
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
    if (entries.length === 0) return '{}'
    const lines = entries.map(([k, x], i) => {
      const head = `${inner}${JSON.stringify(k)}: `
      return head + out(x, inner, head.length, i < entries.length - 1 ? 1 : 0)
    })
    return `{\n${lines.join(',\n')}\n${indent}}`
  }
  return `${out(value, '', 0, 0)}\n`
}

// ---------------------------------------------------------------- the scenario

/**
 * Every method of every module, successes and failures, over a few blocks. Transactions in one
 * block run in order on the state the earlier ones left; a key registered in a block sends from
 * the next one on.
 */
function record(suiteName: SuiteName): Recording {
  const suite = getSuite(suiteName)
  const genesis = makeGenesis(suite)
  const rec = new Recorder(genesis)
  const k = (name: string) => keyOf(suite, name)
  const h = (text: string) => suite.hash(utf8(text))
  const admin = Object.fromEntries(ORGS.map((o) => [o, k(`${o}-admin`)])) as Record<Org, Signer>
  const validator = Object.fromEntries(ORGS.map((o) => [o, k(`${o}-validator`)])) as Record<Org, Signer>
  const code = Object.fromEntries(genesis.organisations.map((o) => [o.id, o.code])) as Record<Org, string>
  const t = rec.tx.bind(rec)

  const marketIssuer = k('market-issuer')
  const marketIssuer2 = k('market-issuer-rotated')
  const marketClerk = k('market-clerk')
  const housingApprover = k('housing-approver')
  const alice = k('alice')
  const bob = k('bob')
  const bob2 = k('bob-rotated')
  const carol = k('carol')
  const acme = k('acme-enterprise')
  const dave = k('dave')
  const gwMarket = k('gateway-market')
  const gwMarket2 = k('gateway-market-replaced')
  const gwHousing = k('gateway-housing')
  const gwPolice = k('gateway-police')
  const natresAdmin = k('natres-admin')
  const natresValidator = k('natres-validator')
  const ghostValidator = k('ghost-validator')
  const did = (s: Signer) => deriveDid(suite, s.publicKey)
  const pseudonymKey = h('police pseudonym key (recorded chain)')

  const anchor = (from: Signer, n: number, expect: string, note: string, o: { kind?: string; note?: string } = {}) =>
    t(
      from,
      'anchor.put',
      AnchorPutArgs,
      { hash: h(`document ${n}`), kind: o.kind ?? 'contract', ...(o.note === undefined ? {} : { note: o.note }) },
      expect,
      note,
    )
  const gateway = (from: Signer, org: string, gw: Signer, expect: string, note: string, url?: string) =>
    t(
      from,
      'catalog.setGateway',
      CatalogSetGatewayArgs,
      {
        orgId: org,
        url: url ?? `https://gw.${org}.example.gov.cn:8443/api`,
        certFingerprint: h(`tls certificate of ${gw.name}`),
        publicKey: gw.publicKey,
        pseudonymAuthority: org === 'police',
      },
      expect,
      note,
    )
  const resource = (
    from: Signer,
    o: {
      id: string
      owner: string
      shareType: 'unconditional' | 'conditional' | 'none'
      auto?: number
      fields?: string[]
      version?: string
      status?: 'active' | 'withdrawn'
    },
    expect: string,
    note: string,
  ) =>
    t(
      from,
      'catalog.publish',
      CatalogPublishArgs,
      {
        resourceId: o.id,
        title: `${o.id} 数据资源`,
        description: `Recorded-chain resource ${o.id}.\nPublic metadata only.`,
        ownerOrg: o.owner,
        rights: ['ownership', 'management'],
        fields: (o.fields ?? ['name', 'credit_code', 'district']).map((f) => ({
          name: f,
          label: `字段 ${f}`,
          sensitivity: f === 'name' ? 'internal' : 'public',
        })),
        shareType: o.shareType,
        autoApprove: o.auto !== undefined,
        autoApproveMaxDurationMs: o.auto ?? 0,
        updateFrequency: 'daily',
        dataHash: h(`data of ${o.id} ${o.version ?? 'v1'}`),
        dataVersion: o.version ?? '2023-11-14',
        status: o.status ?? 'active',
        note: 'recorded chain',
      },
      expect,
      note,
    )
  const propose = (from: Signer, title: string, actions: ProposalAction[], expect: string, note: string) =>
    t(
      from,
      'governance.propose',
      ProposeArgs,
      { title, actions, effectiveHeight: 0, expiresHeight: rec.height + 20 },
      expect,
      note,
    )
  const vote = (from: Signer, proposalId: number, approve: boolean, expect: string, note: string) =>
    t(from, 'governance.vote', VoteArgs, { proposalId, approve }, expect, note)

  // ------------------------------------------------------------ block 1: identities, anchors, gateways
  rec.block(1000, [
    anchor(admin.market, 1, 'OK', 'an officer anchors a document', { note: 'case 2023-001' }),
    anchor(admin.housing, 1, 'ANCHOR_EXISTS', 'the same hash again'),
    anchor(admin.housing, 2, 'ANCHOR_BAD_KIND', 'a kind with capitals and a space', { kind: 'Bad Kind' }),
    anchor(admin.housing, 3, 'ANCHOR_BAD_NOTE', 'a note with a control character', { note: 'bell \u0007' }),
    t(alice, 'identity.createDid', CreateDidArgs, {}, 'OK', 'a citizen creates a DID'),
    t(bob, 'identity.createDid', CreateDidArgs, {}, 'OK', 'a second citizen'),
    t(carol, 'identity.createDid', CreateDidArgs, {}, 'OK', 'a third citizen (deactivated later)'),
    t(
      [acme, admin.market],
      'identity.createDid',
      CreateDidArgs,
      { registeredBy: 'market' },
      'OK',
      'an enterprise DID co-signed by a registrar',
    ),
    t(
      [dave, admin.tax],
      'identity.createDid',
      CreateDidArgs,
      { registeredBy: 'market' },
      'IDENTITY_WRONG_ORGANISATION',
      'co-signed by another organisation',
    ),
    t(
      admin.market,
      'identity.addOfficer',
      AddOfficerArgs,
      { orgId: 'market', officerId: 'market-issuer', publicKey: marketIssuer.publicKey, roles: ['issuer'] },
      'OK',
      'an admin adds an issuer',
    ),
    t(
      admin.market,
      'identity.addOfficer',
      AddOfficerArgs,
      {
        orgId: 'market',
        officerId: 'market-clerk',
        publicKey: marketClerk.publicKey,
        roles: ['registrar', 'approver'],
      },
      'OK',
      'an admin adds a clerk',
    ),
    t(
      admin.housing,
      'identity.addOfficer',
      AddOfficerArgs,
      { orgId: 'housing', officerId: 'housing-approver', publicKey: housingApprover.publicKey, roles: ['approver'] },
      'OK',
      'an approver for housing',
    ),
    t(
      admin.housing,
      'identity.addOfficer',
      AddOfficerArgs,
      { orgId: 'market', officerId: 'intruder', publicKey: dave.publicKey, roles: ['admin'] },
      'IDENTITY_WRONG_ORGANISATION',
      "another organisation's officer",
    ),
    gateway(admin.market, 'market', gwMarket, 'OK', 'market registers its data gateway'),
    gateway(admin.housing, 'housing', gwHousing, 'OK', 'housing registers its data gateway'),
    gateway(admin.police, 'police', gwPolice, 'OK', 'police registers its gateway (pseudonym authority)'),
    gateway(
      admin.tax,
      'tax',
      k('gateway-tax'),
      'CATALOG_BAD_RESOURCE',
      'a plain-http gateway url',
      'http://gw.tax.example',
    ),
  ])

  // ------------------------------------------------------------ block 2: officer and DID life cycles, DID quota
  rec.block(1000, [
    t(
      admin.market,
      'identity.setOfficerRoles',
      SetOfficerRolesArgs,
      { officerId: 'market-clerk', roles: ['auditor', 'registrar', 'approver'] },
      'OK',
      'roles changed (stored in catalogue order)',
    ),
    t(
      admin.market,
      'identity.setOfficerRoles',
      SetOfficerRolesArgs,
      { officerId: 'market-admin', roles: ['issuer'] },
      'IDENTITY_LAST_ADMIN',
      'the last admin gives up admin',
    ),
    t(
      admin.market,
      'identity.suspendOfficer',
      OfficerIdArgs,
      { officerId: 'market-clerk' },
      'OK',
      'an officer suspended',
    ),
    t(
      admin.market,
      'identity.suspendOfficer',
      OfficerIdArgs,
      { officerId: 'market-clerk' },
      'IDENTITY_OFFICER_SUSPENDED',
      'suspended twice',
    ),
    t(
      admin.market,
      'identity.reinstateOfficer',
      OfficerIdArgs,
      { officerId: 'market-issuer' },
      'INVALID_ARGUMENT',
      'reinstating an active officer',
    ),
    t(
      marketIssuer,
      'identity.rotateOfficerKey',
      RotateOfficerKeyArgs,
      { officerId: 'market-issuer', newPublicKey: marketIssuer2.publicKey },
      'OK',
      'an officer rotates its own key',
    ),
    t(
      admin.market,
      'identity.rotateOfficerKey',
      RotateOfficerKeyArgs,
      { officerId: 'market-issuer', newPublicKey: admin.housing.publicKey },
      'IDENTITY_KEY_IN_USE',
      "to another officer's key",
    ),
    t(
      bob,
      'identity.rotateDidKey',
      RotateDidKeyArgs,
      { did: did(bob), newPublicKey: bob2.publicKey },
      'OK',
      'a citizen rotates its DID key',
    ),
    t(carol, 'identity.deactivateDid', DidArgs, { did: did(carol) }, 'OK', 'a citizen deactivates its DID'),
    t(alice, 'identity.deactivateDid', DidArgs, { did: did(bob) }, 'IDENTITY_NOT_DID_CONTROLLER', "someone else's DID"),
    t(
      admin.police,
      'identity.setPseudonym',
      SetPseudonymArgs,
      { did: did(alice), pseudonym: subjectPseudonym(suite, pseudonymKey, 'person', '110101199003070011') },
      'OK',
      'the identity authority attaches a keyed pseudonym',
    ),
    t(
      admin.market,
      'identity.setPseudonym',
      SetPseudonymArgs,
      { did: did(alice), pseudonym: h('not an authority') },
      'IDENTITY_NOT_IDENTITY_AUTHORITY',
      'a registrar of a non-authority',
    ),
    anchor(alice, 10, 'OK', 'a DID anchors (1 of 2 today)'),
    anchor(alice, 11, 'OK', 'a DID anchors (2 of 2 today)'),
    anchor(alice, 12, 'ANCHOR_QUOTA_EXCEEDED', 'a DID over its daily quota'),
  ])

  // ------------------------------------------------------------ block 3: governance, catalogue
  const natres = DEMO_DEPARTMENTS.findIndex((d) => d.id === 'natres')
  const admitNatres: ProposalAction[] = [
    {
      type: 'addOrganisation',
      value: {
        ...DEMO_DEPARTMENTS[natres]!,
        code: demoCreditCode(natres, DEMO_DEPARTMENTS[natres]!.regionCode),
        caCertPem: FAKE_CA_PEM,
        operatorPublicKey: natresAdmin.publicKey,
        identityAuthority: false,
      },
    },
    { type: 'addValidator', value: { id: 'natres', orgId: 'natres', publicKey: natresValidator.publicKey, power: 10 } },
  ]
  rec.block(1000, [
    t(
      admin.market,
      'identity.reinstateOfficer',
      OfficerIdArgs,
      { officerId: 'market-clerk' },
      'OK',
      'a suspended officer reinstated',
    ),
    anchor(marketIssuer2, 13, 'OK', 'the rotated key anchors'),
    t(
      alice,
      'identity.rotateDidKey',
      RotateDidKeyArgs,
      { did: did(alice), newPublicKey: bob2.publicKey },
      'IDENTITY_KEY_IN_USE',
      'to a key of another DID',
    ),
    propose(
      admin.market,
      'admit natres and its validator',
      admitNatres,
      'OK',
      'proposal 1: a new organisation and validator',
    ),
    propose(admin.housing, 'nothing', [], 'GOV_BAD_PROPOSAL', 'a proposal without actions'),
    vote(admin.housing, 1, true, 'OK', 'second yes'),
    vote(admin.housing, 1, true, 'GOV_ALREADY_VOTED', 'voting twice'),
    vote(admin.tax, 99, true, 'GOV_PROPOSAL_NOT_FOUND', 'an unknown proposal'),
    resource(
      admin.market,
      { id: 'market.enterprises', owner: 'market', shareType: 'unconditional', auto: 30 * DAY_MS },
      'OK',
      'an unconditional resource with automatic approval',
    ),
    resource(
      admin.housing,
      { id: 'housing.permits', owner: 'housing', shareType: 'conditional' },
      'OK',
      'a conditional resource',
    ),
    resource(admin.police, { id: 'police.records', owner: 'police', shareType: 'none' }, 'OK', 'a resource not shared'),
    resource(
      admin.housing,
      { id: 'market.enterprises', owner: 'housing', shareType: 'conditional' },
      'CATALOG_OWNER_MISMATCH',
      "publishing under another owner's resource",
    ),
    resource(
      admin.market,
      { id: 'market.empty', owner: 'market', shareType: 'conditional', fields: [] },
      'CATALOG_BAD_RESOURCE',
      'a resource without fields',
    ),
    resource(
      admin.tax,
      { id: 'market.taxes', owner: 'market', shareType: 'conditional' },
      'IDENTITY_WRONG_ORGANISATION',
      'for another organisation',
    ),
    gateway(admin.market, 'market', gwMarket2, 'OK', 'market replaces its gateway key'),
  ])

  // ------------------------------------------------------------ block 4: votes decide, requests, licence types
  const marketType = `${code.market}001`
  const testType = `${code.market}901`
  const r1 = t(
    admin.housing,
    'sharing.request',
    SharingRequestArgs,
    {
      resourceId: 'market.enterprises',
      consumerOrg: 'housing',
      fields: ['name', 'credit_code'],
      purpose: '建筑企业资质审查',
      legalBasis: '《建筑业企业资质管理规定》第十条',
      durationMs: 7 * DAY_MS,
      rowsMax: 100,
    },
    'OK',
    'approved by policy in its transaction',
  )
  const r2 = t(
    admin.market,
    'sharing.request',
    SharingRequestArgs,
    {
      resourceId: 'housing.permits',
      consumerOrg: 'market',
      fields: ['name', 'credit_code', 'district'],
      purpose: '市场主体监管',
      legalBasis: '《市场主体登记管理条例》',
      durationMs: 30 * DAY_MS,
      rowsMax: 50,
      rowScope: { field: 'district', values: ['110108'] },
    },
    'OK',
    'a conditional request with a row scope',
  )
  const r3 = t(
    admin.market,
    'sharing.request',
    SharingRequestArgs,
    {
      resourceId: 'housing.permits',
      consumerOrg: 'market',
      fields: ['name'],
      purpose: '统计',
      legalBasis: '《统计法》',
      durationMs: DAY_MS,
      rowsMax: 10,
    },
    'OK',
    'a request to be rejected',
  )
  rec.block(1000, [
    resource(
      admin.market,
      {
        id: 'market.enterprises',
        owner: 'market',
        shareType: 'unconditional',
        auto: 30 * DAY_MS,
        version: '2023-11-15',
      },
      'OK',
      'version 2 of a resource',
    ),
    vote(admin.police, 1, true, 'OK', 'third yes (3 of 5: not yet)'),
    vote(admin.tax, 1, true, 'OK', 'fourth yes: proposal 1 passes, effective at h + 2'),
    vote(admin.hrss, 1, false, 'GOV_PROPOSAL_CLOSED', 'a vote after the decision'),
    propose(
      admin.tax,
      'raise the DID anchor quota',
      [{ type: 'setParams', value: { anchorQuotaPerIdentityPerDay: 3 } }],
      'OK',
      'proposal 2: parameters',
    ),
    vote(admin.market, 2, false, 'OK', 'first no'),
    vote(admin.housing, 2, false, 'OK', 'second no: proposal 2 rejected'),
    r1,
    r2,
    r3,
    t(
      admin.market,
      'sharing.request',
      SharingRequestArgs,
      {
        resourceId: 'police.records',
        consumerOrg: 'market',
        fields: ['name'],
        purpose: '核查',
        legalBasis: '无',
        durationMs: DAY_MS,
        rowsMax: 1,
      },
      'SHARING_NOT_SHARED',
      'a resource that is not shared',
    ),
    t(
      admin.tax,
      'sharing.request',
      SharingRequestArgs,
      {
        resourceId: 'market.enterprises',
        consumerOrg: 'tax',
        fields: ['nope'],
        purpose: '税务登记',
        legalBasis: '《税收征收管理法》',
        durationMs: DAY_MS,
        rowsMax: 1,
      },
      'SHARING_BAD_REQUEST',
      'a field the resource lacks',
    ),
    t(
      marketClerk,
      'license.defineType',
      DefineTypeArgs,
      {
        code: testType,
        alias: 'recorded-type',
        name: '测试许可证',
        nameEn: 'Recorded test licence',
        holderKind: 'enterprise',
        fields: [
          { name: 'enterpriseName', label: '企业名称', labelEn: 'Enterprise name', personal: false, required: true },
          {
            name: 'legalRepresentative',
            label: '法定代表人',
            labelEn: 'Legal representative',
            personal: true,
            required: true,
          },
        ],
        issuers: ['market'],
        maxValidityYears: 3,
        renewable: true,
        regionCode: '110000',
        region: '北京市',
      },
      'OK',
      'a registrar defines a licence type',
    ),
    t(
      marketClerk,
      'license.defineType',
      DefineTypeArgs,
      {
        code: testType,
        alias: 'recorded-type-2',
        name: '重复',
        nameEn: 'Duplicate',
        holderKind: 'person',
        fields: [{ name: 'name', label: '姓名', labelEn: 'Name', personal: true, required: true }],
        issuers: ['market'],
        maxValidityYears: 0,
        renewable: false,
        regionCode: '110000',
        region: '北京市',
      },
      'LICENSE_TYPE_EXISTS',
      'the same code again',
    ),
    t(
      admin.housing,
      'license.defineType',
      DefineTypeArgs,
      {
        code: 'lowercase',
        alias: 'Bad',
        name: ' ',
        nameEn: 'x',
        holderKind: 'person',
        fields: [],
        issuers: [],
        maxValidityYears: 200,
        renewable: false,
        regionCode: '1',
        region: '',
      },
      'LICENSE_TYPE_INVALID',
      'everything wrong',
    ),
    t(
      admin.market,
      'license.setIssuer',
      SetIssuerArgs,
      { typeCode: testType, orgId: 'housing', authorised: true },
      'OK',
      'the owner authorises another issuer',
    ),
    t(
      admin.housing,
      'license.setIssuer',
      SetIssuerArgs,
      { typeCode: testType, orgId: 'tax', authorised: true },
      'LICENSE_NOT_TYPE_OWNER',
      'not the owner',
    ),
  ])

  // ------------------------------------------------------------ block 5: decisions, receipts, refusals, licences
  const receiptBody = (grant: Uint8Array, n: number) =>
    codec.encode(ReceiptBody, {
      chainId: genesis.chainId,
      grantId: grant,
      resourceId: 'market.enterprises',
      resourceVersion: 2,
      consumerOrg: 'housing',
      providerOrg: 'market',
      consumerKey: gwHousing.publicKey,
      providerKey: gwMarket2.publicKey,
      requestHash: h(`gateway request ${n}`),
      responseHash: h(`gateway response ${n}`),
      fields: ['name'],
      rows: 3,
      subjects: [subjectPseudonym(suite, pseudonymKey, 'enterprise', `91110108MA00000${n}XX`)],
      servedAtMs: rec.nextTime(1000) - 200,
    })
  const sign = (s: Signer, body: Uint8Array) => suite.sign(s.privateKey, concatBytes(DOMAIN_SHARING.receipt, body))
  const refusals = (from: Signer, counts: SharingRefusalArgs['counts'], expect: string, note: string) => {
    const toMs = rec.nextTime(1000) - 300
    return t(
      from,
      'sharing.refusal',
      SharingRefusalArgs,
      { providerOrg: 'market', fromMs: toMs - 60_000, toMs, counts },
      expect,
      note,
    )
  }
  const body1 = receiptBody(r1.hash, 1)
  const body2 = receiptBody(r1.hash, 2)
  const l1 = licenseId({ typeCode: marketType, issuerCode: code.market, serial: '0000000001', version: 1 })
  const l2 = licenseId({ typeCode: testType, issuerCode: code.market, serial: '0000000002', version: 1 })
  const yearMs = 365 * DAY_MS
  rec.block(1000, [
    t(
      housingApprover,
      'sharing.decide',
      SharingDecideArgs,
      {
        requestId: r2.hash,
        approve: true,
        reason: '依法履职所需',
        fields: ['name', 'district'],
        durationMs: 10 * DAY_MS,
      },
      'OK',
      'approved with fewer fields and a shorter term',
    ),
    t(
      housingApprover,
      'sharing.decide',
      SharingDecideArgs,
      { requestId: r3.hash, approve: false, reason: '非必要' },
      'OK',
      'rejected',
    ),
    t(
      housingApprover,
      'sharing.decide',
      SharingDecideArgs,
      { requestId: r3.hash, approve: true, reason: '改变主意' },
      'SHARING_NOT_PENDING',
      'deciding twice',
    ),
    t(
      admin.market,
      'sharing.decide',
      SharingDecideArgs,
      { requestId: r2.hash, approve: true, reason: '自批' },
      'IDENTITY_WRONG_ORGANISATION',
      'the consumer approving itself',
    ),
    t(
      gwMarket2,
      'sharing.receipt',
      SharingReceiptArgs,
      { body: body1, providerSignature: sign(gwMarket2, body1), consumerSignature: sign(gwHousing, body1) },
      'OK',
      'a receipt signed by both gateways',
    ),
    t(
      gwMarket2,
      'sharing.receipt',
      SharingReceiptArgs,
      { body: body1, providerSignature: sign(gwMarket2, body1), consumerSignature: sign(gwHousing, body1) },
      'SHARING_RECEIPT_EXISTS',
      'the same receipt again',
    ),
    t(
      gwMarket2,
      'sharing.receipt',
      SharingReceiptArgs,
      { body: body2, providerSignature: sign(gwHousing, body2) },
      'SHARING_BAD_RECEIPT',
      "signed with the wrong gateway's key",
    ),
    t(
      gwMarket2,
      'sharing.receipt',
      SharingReceiptArgs,
      { body: body2, providerSignature: sign(gwMarket2, body2) },
      'OK',
      'a receipt the consumer never acknowledged',
    ),
    refusals(
      gwMarket2,
      [
        { consumerOrg: 'housing', code: 'SHARING_FIELD_NOT_GRANTED', grantId: r1.hash, count: 3 },
        { consumerOrg: 'housing', code: 'SHARING_NO_GRANT', count: 2 },
        { consumerOrg: 'police', code: 'SHARING_NO_GRANT', count: 1 },
      ],
      'OK',
      "an interval's refusals counted per requester and code, one naming the grant it used",
    ),
    refusals(
      gwMarket2,
      [{ consumerOrg: 'housing', code: 'WHATEVER', count: 1 }],
      'SHARING_BAD_REQUEST',
      'an unknown refusal code',
    ),
    refusals(
      gwHousing,
      [{ consumerOrg: 'housing', code: 'SHARING_NO_GRANT', count: 1 }],
      'SHARING_NOT_GATEWAY',
      "another organisation's gateway",
    ),
    refusals(
      gwMarket2,
      [{ consumerOrg: 'tax', code: 'SHARING_NO_GRANT', count: 1 }],
      'SHARING_BAD_REQUEST',
      'a requester without a registered gateway (never served, so never refused)',
    ),
    refusals(
      gwMarket2,
      [{ consumerOrg: 'housing', code: 'SHARING_GRANT_NOT_ACTIVE', grantId: r2.hash, count: 1 }],
      'SHARING_BAD_REQUEST',
      "a grant id that is not the requester's grant from this provider",
    ),
    refusals(
      gwMarket2,
      [
        { consumerOrg: 'housing', code: 'SHARING_NO_GRANT', count: 1 },
        { consumerOrg: 'housing', code: 'SHARING_NO_GRANT', count: 4 },
      ],
      'SHARING_BAD_REQUEST',
      'two counts for one requester and code',
    ),
    refusals(gwMarket2, [], 'SHARING_BAD_REQUEST', 'a record that counts nothing'),
    t(
      marketIssuer2,
      'license.issue',
      IssueArgs,
      {
        id: l1,
        typeCode: marketType,
        holder: did(acme),
        credentialHash: h('credential l1'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: 0,
      },
      'OK',
      'a business licence without end date',
    ),
    t(
      marketIssuer2,
      'license.issue',
      IssueArgs,
      {
        id: l2,
        typeCode: testType,
        holder: did(acme),
        credentialHash: h('credential l2'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: GENESIS_TIME_MS + yearMs,
      },
      'OK',
      'a licence valid for a year',
    ),
    t(
      marketIssuer2,
      'license.issue',
      IssueArgs,
      {
        id: l1,
        typeCode: marketType,
        holder: did(acme),
        credentialHash: h('credential l1 again'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: 0,
      },
      'LICENSE_EXISTS',
      'the same id again',
    ),
    t(
      marketIssuer2,
      'license.issue',
      IssueArgs,
      {
        id: licenseId({ typeCode: marketType, issuerCode: code.market, serial: '0000000003', version: 1 }),
        typeCode: marketType,
        holder: did(carol),
        credentialHash: h('credential l3'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: 0,
      },
      'LICENSE_HOLDER_UNKNOWN',
      'a deactivated holder DID',
    ),
    t(
      admin.housing,
      'license.issue',
      IssueArgs,
      {
        id: licenseId({ typeCode: marketType, issuerCode: code.housing, serial: '0000000004', version: 1 }),
        typeCode: marketType,
        holder: did(acme),
        credentialHash: h('credential l4'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: 0,
      },
      'LICENSE_ISSUER_NOT_AUTHORISED',
      'an organisation not on the issuer list',
    ),
  ])

  // ------------------------------------------------------------ block 6: equivocation evidence, the new organisation acts
  const voteOf = (who: Org, height: number, blockHash: Uint8Array) => {
    const validatorIndex = rec
      .governance()
      .validatorSetAt(height)
      .validators.findIndex((v) => v.id === who)
    const vote = codec.encode(Vote, {
      chainId: genesis.chainId,
      type: 'prevote',
      height,
      round: 0,
      blockHash,
      validatorIndex,
    })
    return { vote, signature: suite.sign(validator[who].privateKey, signingBytes(DOMAIN.vote, vote)) }
  }
  const seen = rec.height - 1
  const blockA = new Uint8Array(32).fill(0xa1)
  const blockB = new Uint8Array(32).fill(0xb2)
  const evidence = { voteA: voteOf('housing', seen, blockA), voteB: voteOf('housing', seen, blockB) }
  rec.block(1000, [
    t(
      validator.police,
      'governance.evidence',
      EvidenceArgs,
      { voteA: voteOf('housing', seen, blockA), voteB: voteOf('housing', seen, blockA) },
      'EVIDENCE_INVALID',
      'two votes for the same block',
    ),
    t(
      validator.police,
      'governance.evidence',
      EvidenceArgs,
      evidence,
      'OK',
      'a double-signing validator loses its power from h + 2',
    ),
    t(
      validator.market,
      'governance.evidence',
      EvidenceArgs,
      evidence,
      'GOV_EVIDENCE_DUPLICATE',
      'the same evidence from another validator',
    ),
    t(
      validator.market,
      'governance.evidence',
      EvidenceArgs,
      { voteA: voteOf('market', seen + 9, blockA), voteB: voteOf('market', seen + 9, blockB) },
      'GOV_EVIDENCE_TOO_OLD',
      'votes of a height not reached yet',
    ),
    propose(
      natresAdmin,
      'remove hrss, re-weight market, raise the quota',
      [
        { type: 'removeOrganisation', value: { orgId: 'hrss' } },
        { type: 'setValidatorPower', value: { id: 'market', power: 20 } },
        { type: 'setParams', value: { anchorQuotaPerIdentityPerDay: 3 } },
      ],
      'OK',
      'proposal 3 by the organisation admitted at this height',
    ),
    propose(
      admin.police,
      'a validator of an unknown organisation',
      [
        {
          type: 'addValidator',
          value: { id: 'ghost', orgId: 'nobody', publicKey: ghostValidator.publicKey, power: 5 },
        },
      ],
      'OK',
      'proposal 4: passes, then fails to apply',
    ),
    anchor(alice, 14, 'ANCHOR_QUOTA_EXCEEDED', 'still the same day'),
  ])

  // ------------------------------------------------------------ block 7: proposals decided, grants revoked, licence status
  const g1 = t(
    acme,
    'license.grantUse',
    GrantUseArgs,
    {
      licenseId: l1,
      grantee: 'housing',
      service: 'qualification-review',
      purpose: '资质审查',
      untilMs: rec.nextTime(1000) + 30 * DAY_MS,
    },
    'OK',
    'the holder lets housing use its licence',
  )
  const g2 = t(
    acme,
    'license.grantUse',
    GrantUseArgs,
    {
      licenseId: l1,
      grantee: 'tax',
      service: 'tax-registration',
      purpose: '税务登记',
      untilMs: rec.nextTime(1000) + 30 * DAY_MS,
    },
    'OK',
    'and tax (withdrawn later)',
  )
  rec.block(1000, [
    vote(admin.market, 3, true, 'OK', 'proposal 3: second yes'),
    vote(admin.housing, 3, true, 'OK', 'third yes'),
    vote(admin.police, 3, true, 'OK', 'fourth yes'),
    vote(admin.tax, 3, true, 'OK', 'fifth yes of 6: passes'),
    vote(admin.market, 4, true, 'OK', 'proposal 4: second yes'),
    vote(admin.housing, 4, true, 'OK', 'third yes'),
    vote(admin.tax, 4, true, 'OK', 'fourth yes of 6 (hrss leaves at h + 2, still counted)'),
    vote(natresAdmin, 4, true, 'OK', 'fifth yes of 6: passes, and fails to apply (unknown organisation)'),
    t(
      housingApprover,
      'sharing.revoke',
      SharingRevokeArgs,
      { requestId: r2.hash, reason: '监管事项已完成' },
      'OK',
      'the owner revokes a grant',
    ),
    t(
      housingApprover,
      'sharing.revoke',
      SharingRevokeArgs,
      { requestId: r2.hash, reason: '再次撤销' },
      'SHARING_NOT_REVOCABLE',
      'revoked twice',
    ),
    t(
      admin.tax,
      'sharing.revoke',
      SharingRevokeArgs,
      { requestId: r1.hash, reason: '无关' },
      'IDENTITY_WRONG_ORGANISATION',
      'neither owner nor consumer',
    ),
    t(
      marketIssuer2,
      'license.suspend',
      StatusChangeArgs,
      { id: l1, reason: '年报未报送' },
      'OK',
      'a licence suspended',
    ),
    t(
      marketIssuer2,
      'license.suspend',
      StatusChangeArgs,
      { id: l1, reason: '再次暂停' },
      'LICENSE_BAD_TRANSITION',
      'suspended twice',
    ),
    t(
      admin.housing,
      'license.suspend',
      StatusChangeArgs,
      { id: l2, reason: '越权' },
      'LICENSE_NOT_ISSUING_ORG',
      'by another organisation',
    ),
    t(marketIssuer2, 'license.reinstate', StatusChangeArgs, { id: l1, reason: '已补报' }, 'OK', 'reinstated'),
    t(
      marketIssuer2,
      'license.reinstate',
      StatusChangeArgs,
      { id: l1, reason: '重复' },
      'LICENSE_BAD_TRANSITION',
      'reinstating an active licence',
    ),
    g1,
    g2,
    t(
      alice,
      'license.grantUse',
      GrantUseArgs,
      { licenseId: l1, grantee: 'housing', service: 'x', purpose: 'x', untilMs: rec.nextTime(1000) + DAY_MS },
      'LICENSE_NOT_HOLDER',
      'not the holder',
    ),
  ])

  // ------------------------------------------------------------ block 8: uses, withdrawals, new versions
  rec.block(1000, [
    t(
      admin.housing,
      'sharing.revoke',
      SharingRevokeArgs,
      { requestId: r1.hash, reason: '不再需要' },
      'OK',
      'the consumer renounces its grant',
    ),
    t(
      admin.housing,
      'license.recordUse',
      RecordUseArgs,
      { licenseId: l1, grantId: g1.hash },
      'OK',
      'the grantee uses the licence',
    ),
    t(
      admin.tax,
      'license.recordUse',
      RecordUseArgs,
      { licenseId: l1, grantId: g1.hash },
      'LICENSE_NOT_GRANTEE',
      'not the grantee',
    ),
    t(
      acme,
      'license.withdrawGrant',
      WithdrawGrantArgs,
      { licenseId: l1, grantId: g2.hash },
      'OK',
      'the holder withdraws a grant',
    ),
    t(
      acme,
      'license.withdrawGrant',
      WithdrawGrantArgs,
      { licenseId: l1, grantId: g2.hash },
      'LICENSE_GRANT_INACTIVE',
      'withdrawn twice',
    ),
    t(
      admin.tax,
      'license.recordUse',
      RecordUseArgs,
      { licenseId: l1, grantId: g2.hash },
      'LICENSE_GRANT_INACTIVE',
      'a withdrawn grant',
    ),
    t(
      marketIssuer2,
      'license.amend',
      AmendArgs,
      { id: l1, newId: licenseIdWithVersion(l1, 2), credentialHash: h('credential l1 v2'), reason: '住所变更' },
      'OK',
      'amended: version 2 supersedes version 1',
    ),
    t(
      marketIssuer2,
      'license.amend',
      AmendArgs,
      { id: l1, newId: licenseIdWithVersion(l1, 3), credentialHash: h('credential l1 v3'), reason: '再次变更' },
      'LICENSE_BAD_TRANSITION',
      'amending a superseded version',
    ),
    t(
      marketIssuer2,
      'license.renew',
      RenewArgs,
      {
        id: l2,
        newId: licenseIdWithVersion(l2, 2),
        credentialHash: h('credential l2 v2'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: GENESIS_TIME_MS + 2 * yearMs,
      },
      'OK',
      'renewed',
    ),
    t(
      marketIssuer2,
      'license.renew',
      RenewArgs,
      {
        id: licenseIdWithVersion(l2, 2),
        newId: licenseIdWithVersion(l2, 5),
        credentialHash: h('credential l2 v5'),
        validFromMs: GENESIS_TIME_MS,
        validUntilMs: GENESIS_TIME_MS + 2 * yearMs,
      },
      'LICENSE_BAD_ID',
      'skipping versions',
    ),
    t(
      marketIssuer2,
      'license.revoke',
      RevokeArgs,
      { id: licenseIdWithVersion(l2, 2), reasonCode: 'issued_in_error', reason: '错误发证' },
      'OK',
      'revoked',
    ),
    t(
      marketIssuer2,
      'license.revoke',
      RevokeArgs,
      { id: licenseIdWithVersion(l2, 2), reasonCode: 'other', reason: '再次吊销' },
      'LICENSE_BAD_TRANSITION',
      'revoked twice',
    ),
  ])

  // ------------------------------------------------------------ block 9: the next day (quota reset); senders that may not anchor
  const nextDay = (Math.floor(rec.nextTime(0) / DAY_MS) + 1) * DAY_MS + 60_000
  rec.block(nextDay - rec.nextTime(0), [
    anchor(alice, 15, 'OK', 'a new day, a new quota (3 now)'),
    anchor(
      validator.market,
      16,
      'ANCHOR_SENDER_UNREGISTERED',
      "a validator's consensus key is neither officer nor DID",
    ),
    anchor(bob2, 17, 'OK', 'a rotated DID key anchors'),
    resource(
      admin.housing,
      { id: 'housing.permits', owner: 'housing', shareType: 'conditional', version: '2023-11-16', status: 'withdrawn' },
      'OK',
      'a resource withdrawn (version 2)',
    ),
    t(
      admin.market,
      'sharing.request',
      SharingRequestArgs,
      {
        resourceId: 'housing.permits',
        consumerOrg: 'market',
        fields: ['name'],
        purpose: '市场主体监管',
        legalBasis: '《市场主体登记管理条例》',
        durationMs: DAY_MS,
        rowsMax: 10,
      },
      'SHARING_RESOURCE_WITHDRAWN',
      'a withdrawn resource',
    ),
    t(
      acme,
      'license.grantUse',
      GrantUseArgs,
      {
        licenseId: licenseIdWithVersion(l2, 2),
        grantee: 'housing',
        service: 'x',
        purpose: 'x',
        untilMs: rec.nextTime(0) + DAY_MS,
      },
      'LICENSE_REVOKED',
      'the holder cannot grant the use of a revoked licence',
    ),
  ])

  // ------------------------------------------------------------ block 10: forty days later, grants have expired
  rec.block(40 * DAY_MS, [
    t(
      admin.housing,
      'license.recordUse',
      RecordUseArgs,
      { licenseId: licenseIdWithVersion(l1, 2), grantId: g1.hash },
      'LICENSE_GRANT_NOT_FOUND',
      'a grant of the superseded version',
    ),
    t(
      admin.housing,
      'license.recordUse',
      RecordUseArgs,
      { licenseId: l1, grantId: g1.hash },
      'LICENSE_GRANT_INACTIVE',
      'an expired grant',
    ),
    t(
      acme,
      'license.grantUse',
      GrantUseArgs,
      {
        licenseId: licenseIdWithVersion(l1, 2),
        grantee: 'natres',
        service: 'land-use',
        purpose: '用地审批',
        untilMs: rec.nextTime(40 * DAY_MS) + 10 * DAY_MS,
      },
      'OK',
      'a grant to the organisation admitted by governance',
    ),
    anchor(natresAdmin, 18, 'OK', 'the new organisation anchors'),
  ])

  const applied = applyExtensions(rec, [])
  return finish(rec, suiteName, applied)
}

/** The context an extension records in: the recorder and the base scenario's fixed keys. */
function extensionContext(rec: Recorder): ExtensionContext {
  const suite = rec.suite
  const k = (name: string) => keyOf(suite, name)
  return {
    rec,
    suite,
    key: k,
    h: (text: string) => suite.hash(utf8(text)),
    admin: Object.fromEntries(ORGS.map((o) => [o, k(`${o}-admin`)])) as Record<Org, Signer>,
    validator: Object.fromEntries(ORGS.map((o) => [o, k(`${o}-validator`)])) as Record<Org, Signer>,
    code: Object.fromEntries(rec.genesis.organisations.map((o) => [o.id, o.code])) as Record<Org, string>,
  }
}

/** Runs, in order, every extension not in `done`; returns the names applied in all. */
function applyExtensions(rec: Recorder, done: readonly string[]): string[] {
  const known = new Set(EXTENSIONS.map((e) => e.name))
  const foreign = done.filter((n) => !known.has(n))
  if (foreign.length > 0)
    throw new Error(`the recording lists extensions this tree does not have: ${foreign.join(', ')}`)
  const applied = [...done]
  const ctx = extensionContext(rec)
  for (const e of EXTENSIONS) {
    if (done.includes(e.name)) continue
    const before = rec.blocks.length
    e.record(ctx)
    if (rec.blocks.length === before) rec.problems.push(`extension ${e.name} appended no block`)
    applied.push(e.name)
  }
  return applied
}

/** Checks that every method succeeded and failed somewhere and nothing went other than planned; the recording. */
function finish(rec: Recorder, suiteName: SuiteName, extensions: readonly string[]): Recording {
  const genesis = rec.genesis
  const counts = new Map<string, { total: number; ok: number }>()
  for (const b of rec.blocks) {
    for (const x of b.txs) {
      const m = methodOf(fromHex(x.bytes)) ?? '(undecodable)'
      const c = counts.get(m) ?? { total: 0, ok: 0 }
      c.total += 1
      if (x.code === 'OK') c.ok += 1
      counts.set(m, c)
    }
  }
  const gaps = coverageGaps(rec.chain.modules, counts)
  if (gaps.neverSucceeded.length > 0)
    rec.problems.push(`methods no transaction succeeds in: ${gaps.neverSucceeded.join(', ')}`)
  if (gaps.neverFailed.length > 0) rec.problems.push(`methods no transaction fails in: ${gaps.neverFailed.join(', ')}`)
  if (rec.problems.length > 0) {
    throw new Error(
      `the scenario no longer runs as written (nothing written):\n  ${rec.problems.join('\n  ')}\n` +
        'If the change is meant to change state, update the scenario in scripts/record-chain.ts ' +
        '(or the extension under scripts/recorded-chain/) to match.',
    )
  }
  return {
    format: RECORDING_FORMAT,
    about:
      'Recorded chain (docs/recorded-chain.md): replayed by packages/node/test/recorded-chain.test.ts; ' +
      'every root must come out byte-identical. Regenerate only for a change meant to change state: npm run record:chain',
    suite: suiteName,
    chainId: genesis.chainId,
    genesis,
    genesisHash: toHex(rec.chain.genesisHash),
    genesisStateRoot: rec.genesisStateRoot,
    ...(extensions.length === 0 ? {} : { extensions: [...extensions] }),
    blocks: rec.blocks,
  }
}

/**
 * Appends the extensions a recording does not list yet: its blocks are re-executed from their
 * bytes (they must still replay to their hashes) and kept as they are, new blocks follow.
 */
function extend(file: string): Recording | undefined {
  const recording = readRecording(file)
  const report = replayRecording(recording)
  if (report.mismatches.length > 0) {
    throw new Error(
      `${relative(process.cwd(), file)} no longer replays byte-identical; --extend only appends:\n${describeMismatches(report.mismatches)}`,
    )
  }
  const done = recording.extensions ?? []
  if (EXTENSIONS.every((e) => done.includes(e.name))) return undefined
  const rec = Recorder.resume(recording)
  const applied = applyExtensions(rec, done)
  return finish(rec, recording.suite, applied)
}

// ---------------------------------------------------------------- main

function check(files: string[]): number {
  let failed = 0
  for (const file of files) {
    const r = readRecording(file)
    const started = performance.now()
    const report = replayRecording(r)
    const ms = Math.round(performance.now() - started)
    const name = relative(process.cwd(), file)
    if (report.mismatches.length === 0) {
      console.log(`${name}: ${report.blocks} blocks, ${report.txs} transactions replayed byte-identical (${ms} ms)`)
    } else {
      failed++
      console.log(`${name}: DIFFERS from the recording (first difference at height ${report.mismatches[0]!.height}):`)
      console.log(describeMismatches(report.mismatches))
    }
    const gaps = coverageGaps(recordingModules(), report.counts)
    if (report.mismatches.length === 0 && gaps.neverSucceeded.length + gaps.neverFailed.length > 0) {
      failed++
      console.log(`${name}: methods of the registry the recording does not cover:`)
      if (gaps.neverSucceeded.length > 0) console.log(`  no successful transaction: ${gaps.neverSucceeded.join(', ')}`)
      if (gaps.neverFailed.length > 0) console.log(`  no failing transaction: ${gaps.neverFailed.join(', ')}`)
    }
  }
  return failed === 0 ? 0 : 1
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      suite: { type: 'string' },
      out: { type: 'string' },
      check: { type: 'boolean' },
      extend: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (values.check) {
    if (positionals.length === 0 || values.suite !== undefined || values.out !== undefined) {
      console.error('--check takes recording files and no --suite or --out (see --help)')
      return 2
    }
    return check(positionals)
  }
  if (values.extend) {
    if (values.suite !== undefined || values.out !== undefined) {
      console.error('--extend takes recording files (default: both fixtures) and no --suite or --out (see --help)')
      return 2
    }
    const files = positionals.length > 0 ? positionals : (['gm', 'intl'] as const).map(defaultOut)
    for (const file of files) {
      const recording = extend(file)
      const name = relative(process.cwd(), file)
      if (recording === undefined) {
        console.log(`${name}: already holds every extension (${EXTENSIONS.map((e) => e.name).join(', ') || 'none'})`)
        continue
      }
      console.log(`${name}: ${write(recording, file)}; extensions ${recording.extensions?.join(', ')}`)
    }
    return 0
  }
  if (positionals.length > 0) {
    console.error(`unexpected argument ${positionals[0]} (see --help)`)
    return 2
  }
  const which = values.suite ?? 'all'
  if (which !== 'gm' && which !== 'intl' && which !== 'all') {
    console.error('--suite must be gm, intl or all')
    return 2
  }
  const suites: SuiteName[] = which === 'all' ? ['gm', 'intl'] : [which]
  if (values.out !== undefined && suites.length > 1) {
    console.error('--out needs a single --suite')
    return 2
  }
  for (const s of suites) {
    const out = values.out ?? defaultOut(s)
    console.log(`${relative(process.cwd(), out)}: ${write(record(s), out)}`)
  }
  return 0
}

/** Writes a recording (size-checked); a one-line summary. */
function write(recording: Recording, out: string): string {
  const text = toJsonText(recording)
  if (text.length > RECORDING_BYTES_MAX)
    throw new Error(`recording is ${text.length} bytes, over ${RECORDING_BYTES_MAX}`)
  writeFileSync(out, text)
  const txs = recording.blocks.reduce((n, b) => n + b.txs.length, 0)
  const ok = recording.blocks.reduce((n, b) => n + b.txs.filter((x) => x.code === 'OK').length, 0)
  return `${recording.blocks.length} blocks, ${txs} transactions (${ok} OK, ${txs - ok} failing), ${text.length} bytes`
}

try {
  process.exitCode = main()
} catch (e) {
  console.error(e instanceof Error ? e.message : e)
  process.exitCode = 1
}
