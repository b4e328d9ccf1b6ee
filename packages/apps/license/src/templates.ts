/**
 * Print templates (issue 15 item 2): one per licence type, in the layout of the paper licence,
 * keyed by the type's alias (or its code), with a default for types a consortium defines later.
 *
 * A template says the page orientation, whether the page has the decorative double border, which
 * credential field names the holder (营业执照 名称, 经营者名称, 姓名 …: the holder is printed by name,
 * never by DID), and the order of the fields below it. Labels come from the type's catalogue.
 */
export interface LicenseTemplate {
  /** A4 portrait (permits, certificates of a person) or landscape (营业执照, 资质证书). */
  orientation: 'portrait' | 'landscape'
  /** The double border of the printed certificate. */
  border: boolean
  /** Field names whose value is the holder's name, the first disclosed one wins. */
  holderFields: readonly string[]
  /** Label printed before the holder's name when the type's catalogue has none for that field. */
  holderLabel: string
  /** Fields printed first, in this order; the other disclosed fields follow in credential order. */
  order: readonly string[]
}

const ENTERPRISE_HOLDER = ['enterpriseName', 'operatorName', 'name'] as const

const DEFAULT_TEMPLATE: LicenseTemplate = {
  orientation: 'portrait',
  border: true,
  holderFields: [...ENTERPRISE_HOLDER, 'holderName'],
  holderLabel: '持证主体',
  order: [],
}

/** The demo catalogue's types (catalogue.ts), by alias. */
export const LICENSE_TEMPLATES: Readonly<Record<string, LicenseTemplate>> = {
  // 营业执照: landscape, bordered; items in the order of the SAMR 2019 licence face.
  yyzz: {
    orientation: 'landscape',
    border: true,
    holderFields: ['enterpriseName'],
    holderLabel: '名称',
    order: [
      'creditCode',
      'enterpriseType',
      'legalRepresentative',
      'registeredCapital',
      'establishedDate',
      'businessTerm',
      'address',
      'businessScope',
    ],
  },
  // 食品经营许可证: portrait permit.
  spjyxk: {
    orientation: 'portrait',
    border: true,
    holderFields: ['operatorName'],
    holderLabel: '经营者名称',
    order: ['creditCode', 'legalRepresentative', 'premises', 'mainFormat', 'businessItems', 'licenceNo'],
  },
  // 建筑业企业资质证书 and 工程监理企业资质证书: landscape certificates.
  jzqyzz: {
    orientation: 'landscape',
    border: true,
    holderFields: ['enterpriseName'],
    holderLabel: '企业名称',
    order: ['creditCode', 'legalRepresentative', 'address', 'economicNature', 'qualificationCategory', 'certificateNo'],
  },
  gcjlzz: {
    orientation: 'landscape',
    border: true,
    holderFields: ['enterpriseName'],
    holderLabel: '企业名称',
    order: ['creditCode', 'legalRepresentative', 'technicalDirector', 'qualificationScope', 'certificateNo'],
  },
  // 注册建造师执业证书: a personal certificate, portrait.
  zcjzs: {
    orientation: 'portrait',
    border: true,
    holderFields: ['name'],
    holderLabel: '姓名',
    order: ['idNumber', 'registrationNo', 'level', 'specialty', 'employer'],
  },
  // 安全生产许可证: landscape.
  aqscxk: {
    orientation: 'landscape',
    border: true,
    holderFields: ['enterpriseName'],
    holderLabel: '单位名称',
    order: ['creditCode', 'legalRepresentative', 'address', 'economicType', 'permitScope', 'certificateNo'],
  },
}

/** The template of a type (by alias, then code), or the default one. */
export function templateFor(type: { alias?: string; code?: string }): LicenseTemplate {
  for (const k of [type.alias, type.code]) {
    if (k !== undefined && Object.hasOwn(LICENSE_TEMPLATES, k)) return LICENSE_TEMPLATES[k]!
  }
  return DEFAULT_TEMPLATE
}
