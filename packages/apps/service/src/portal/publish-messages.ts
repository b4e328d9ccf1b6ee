/**
 * The publishing form's messages (publish.tsx), apart from the form: the service page's
 * registration merges them into the app's messages at start, and importing the form for them
 * would put the form, the module schema and the client into every page's first load (ADR 0034).
 */
import type { Messages } from '@govchain/portal-kit'

export const PUBLISH_MESSAGES = {
  'service.tab.publish': ['发布事项', 'Publish an item'],
  'service.pub.lead': [
    '发布本部门的政务服务事项；同一编码再次发布即为新版本，申请人按其同意的版本办理。',
    "Publish one of your department's service items; publishing the same code again makes its next version, and applicants consent to a version.",
  ],
  'service.pub.noRole': [
    '您没有本部门的管理员（admin）角色，不能发布事项。请联系部门管理员授权。',
    'You do not hold your department’s admin role, so you cannot publish items. Ask your department’s admin.',
  ],
  'service.pub.code': ['事项编码（国家基本目录编码）', 'Item code (national catalogue code)'],
  'service.pub.title': ['事项名称', 'Title'],
  'service.pub.titleEn': ['英文名称', 'Title in English'],
  'service.pub.basis': ['设定依据', 'Legal basis'],
  'service.pub.sla': ['法定时限（工作日）', 'Time limit (working days)'],
  'service.pub.licences': ['申请人需出示的电子证照', 'Licences the applicant presents'],
  'service.pub.result': ['办结签发的电子证照', 'Licence issued on approval'],
  'service.pub.none': ['（无）', '(none)'],
  'service.pub.pulls': [
    '部门间调取的数据（目录资源与字段）',
    'Data pulled between departments (catalogue resource and fields)',
  ],
  'service.pub.resource': ['目录资源', 'Catalogue resource'],
  'service.pub.fields': ['字段', 'Fields'],
  'service.pub.purpose': ['用途', 'Purpose'],
  'service.pub.type': ['证照类型', 'Licence type'],
  'service.pub.addPull': ['添加调取', 'Add a pull'],
  'service.pub.addLicence': ['添加证照', 'Add a licence'],
  'service.pub.remove': ['删除', 'Remove'],
  'service.pub.steps': ['办理环节', 'Steps'],
  'service.pub.stepsFixed': [
    '受理 → 审查（调取材料）→ 决定（批准 / 不予批准）→ 办结；每一环节由本部门具有审批角色的工作人员办理。',
    'Accept → review (pull the materials) → decide (approve / reject) → complete; each step by an approver of your department.',
  ],
  'service.pub.newItem': ['新事项，将发布第 1 版', 'A new item: version 1 will be published'],
  'service.pub.nextVersion': [
    '已有第 {v} 版，将发布第 {next} 版',
    'Version {v} exists: version {next} will be published',
  ],
  'service.pub.load': ['载入现有内容', 'Load the current version'],
  'service.pub.submit': ['发布', 'Publish'],
  'service.pub.working': ['正在上链…', 'Submitting to the chain…'],
  'service.pub.fix': ['请先改正标出的 {n} 处问题', 'Please fix the {n} problems marked'],
  'service.pub.confirm': [
    '确认发布 {code}《{title}》第 {v} 版？上链后申请人即可按此版本申请，不可撤回（可发布新版本或停办）。',
    'Publish {code} “{title}”, version {v}? Once on chain applicants can apply under it; it cannot be undone (publish a new version or withdraw it).',
  ],
  'service.pub.confirmYes': ['确认发布', 'Publish'],
  'service.pub.done': [
    '已发布：{code} 第 {v} 版（区块高度 {height}），已在办事大厅上线。',
    'Published: {code} version {v} (height {height}); it is in the service hall now.',
  ],
  'service.pub.err.code': [
    '编码须为 3–48 位大写字母、数字或连字符，以字母或数字开头',
    'The code is 3-48 upper-case letters, digits or hyphens, starting with a letter or digit',
  ],
  'service.pub.err.owner': [
    '该编码的事项属于{org}，本部门不能发布其新版本',
    'This code belongs to {org}: your department cannot version it',
  ],
  'service.pub.err.text': [
    '必填；首尾不留空格，不超过 {max} 字节，不含控制字符或 6 位以上连续数字',
    'Required; no leading or trailing spaces, at most {max} bytes, no control characters or runs of 6+ digits',
  ],
  'service.pub.err.sla': ['须为 1–365 之间的整数', 'A whole number from 1 to 365'],
  'service.pub.err.resource': ['请选择其他部门共享的目录资源', "Choose another department's shared catalogue resource"],
  'service.pub.err.fields': ['至少选择一个字段', 'Choose at least one field'],
  'service.pub.err.type': ['请选择证照类型（不重复）', 'Choose a licence type (each once)'],
  'service.pub.err.dupPull': ['同一资源只调取一次', 'Pull each resource once'],
  'service.pub.kind': ['事项类型', 'Kind of item'],
  'service.pub.kindSingle': ['单一事项', 'A single item'],
  'service.pub.kindBundle': [
    '一件事（组合多个部门的事项，一次申请）',
    'A "one thing": several items of several departments, one application',
  ],
  'service.pub.parts': ['组成的事项（按办理顺序）', 'Items it bundles (in order)'],
  'service.pub.bundleNote': [
    '申请人一次同意、一次申请；各组成事项分别由其部门受理、调取、决定，全部办结后本件办结。',
    'The applicant consents and applies once; each bundled item is accepted, pulled and decided by its own department, and the bundle completes when all of them have.',
  ],
  'service.pub.partSearch': ['按编码或名称查找事项', 'Find an item by code or title'],
  'service.pub.partAdd': ['加入', 'Add'],
  'service.pub.partNone': ['没有可加入的在办单一事项', 'No active single item matches'],
  'service.pub.err.parts': [
    '一件事至少组合 2 个、至多 {max} 个在办的单一事项',
    'A one-thing item bundles 2 to {max} active single items',
  ],
} as const satisfies Messages
