/**
 * The built-in licence catalogue seeded at genesis for the demo departments (org ids `housing`
 * = 住房和城乡建设委员会, `market` = 市场监督管理局). A production consortium defines its own
 * types with `license.defineType`; types whose owner organisation is not in the genesis are
 * skipped.
 *
 * Type codes follow the catalogue style of the national e-licence system: the owner
 * organisation's unified social credit code (18) + a 3-digit sequence. Field lists follow the
 * printed certificates' items (GB/T 36903 "business information" part of the metadata); the
 * common metadata (identifier, type, issuer, holder, validity) is in every credential.
 */
import type { DefineTypeArgs, LicenseField } from './schema.ts'

type Seed = Omit<DefineTypeArgs, 'code' | 'issuers' | 'regionCode' | 'region'> & { owner: string; seq: string }

const f = (name: string, label: string, labelEn: string, personal = false, required = true): LicenseField => ({
  name,
  label,
  labelEn,
  personal,
  required,
})

const enterpriseName = f('enterpriseName', '企业名称', 'Enterprise name')
const creditCode = f('creditCode', '统一社会信用代码', 'Unified social credit code')
const legalRep = f('legalRepresentative', '法定代表人', 'Legal representative', true)
const address = f('address', '详细地址', 'Address')

export const DEMO_LICENSE_TYPES: readonly Seed[] = [
  {
    owner: 'housing',
    seq: '001',
    alias: 'jzqyzz',
    name: '建筑业企业资质证书',
    nameEn: 'Construction Enterprise Qualification Certificate',
    holderKind: 'enterprise',
    fields: [
      enterpriseName,
      creditCode,
      legalRep,
      address,
      f('economicNature', '经济性质', 'Economic nature', false, false),
      f('qualificationCategory', '资质类别及等级', 'Qualification category and grade'),
      f('certificateNo', '证书编号', 'Certificate number'),
    ],
    maxValidityYears: 5,
    renewable: true,
  },
  {
    owner: 'housing',
    seq: '002',
    alias: 'gcjlzz',
    name: '工程监理企业资质证书',
    nameEn: 'Construction Supervision Enterprise Qualification Certificate',
    holderKind: 'enterprise',
    fields: [
      enterpriseName,
      creditCode,
      legalRep,
      f('technicalDirector', '技术负责人', 'Technical director', true, false),
      f('qualificationScope', '资质等级及业务范围', 'Qualification grade and scope'),
      f('certificateNo', '证书编号', 'Certificate number'),
    ],
    maxValidityYears: 5,
    renewable: true,
  },
  {
    owner: 'housing',
    seq: '003',
    alias: 'zcjzs',
    name: '注册建造师执业证书',
    nameEn: 'Registered Constructor Practising Certificate',
    holderKind: 'person',
    fields: [
      f('name', '姓名', 'Name', true),
      f('idNumber', '身份证件号码', 'Identity document number', true),
      f('registrationNo', '注册编号', 'Registration number', true),
      f('level', '级别', 'Level'),
      f('specialty', '注册专业', 'Registered specialty'),
      f('employer', '聘用企业', 'Employer'),
    ],
    maxValidityYears: 3,
    renewable: true,
  },
  {
    owner: 'housing',
    seq: '004',
    alias: 'aqscxk',
    name: '安全生产许可证',
    nameEn: 'Work Safety Licence (construction)',
    holderKind: 'enterprise',
    fields: [
      enterpriseName,
      creditCode,
      legalRep,
      address,
      f('economicType', '经济类型', 'Economic type', false, false),
      f('permitScope', '许可范围', 'Permitted scope'),
      f('certificateNo', '编号', 'Certificate number'),
    ],
    maxValidityYears: 3,
    renewable: true,
  },
  {
    owner: 'market',
    seq: '001',
    alias: 'yyzz',
    name: '营业执照',
    nameEn: 'Business Licence',
    holderKind: 'enterprise',
    fields: [
      f('enterpriseName', '名称', 'Name'),
      creditCode,
      f('enterpriseType', '类型', 'Type'),
      legalRep,
      f('registeredCapital', '注册资本', 'Registered capital'),
      f('establishedDate', '成立日期', 'Date of establishment'),
      f('businessTerm', '营业期限', 'Business term', false, false),
      f('address', '住所', 'Domicile'),
      f('businessScope', '经营范围', 'Business scope'),
    ],
    maxValidityYears: 0,
    renewable: true,
  },
  {
    owner: 'market',
    seq: '002',
    alias: 'spjyxk',
    name: '食品经营许可证',
    nameEn: 'Food Business Licence',
    holderKind: 'enterprise',
    fields: [
      f('operatorName', '经营者名称', 'Operator name'),
      creditCode,
      legalRep,
      f('premises', '经营场所', 'Business premises'),
      f('mainFormat', '主体业态', 'Main business format'),
      f('businessItems', '经营项目', 'Business items'),
      f('licenceNo', '许可证编号', 'Licence number'),
    ],
    maxValidityYears: 5,
    renewable: true,
  },
]
