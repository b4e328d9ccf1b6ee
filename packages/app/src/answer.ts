/**
 * A module's answers checked against the TypeBox schemas its routes serialise with (ADR 0019):
 * the client side of route-kit. A reader that cast `getJson`'s object to its view type passed a
 * node's malformed answer on as a value of the wrong type, to fail later as a TypeError far from
 * the request; `getAnswer` refuses it at once with SdkError SDK_BAD_RESPONSE naming the route and
 * the first field that does not match. Properties a schema does not list are allowed (a newer
 * node may add fields). Browser-safe: TypeBox's value checker is about 4 KB gzipped; the error
 * walker that names the field loads only when an answer is refused.
 */
import { type Client, type HttpTransport, SdkError } from '@govchain/client'
import { Kind, type Static, type TSchema, TypeRegistry } from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'

/** JSON Schema `type` names and the TypeBox kind that checks a value of each. */
const KIND_OF_TYPE: Record<string, string> = {
  string: 'String',
  integer: 'Integer',
  number: 'Number',
  boolean: 'Boolean',
  object: 'Object',
  array: 'Array',
  null: 'Null',
}

/**
 * route-kit writes a few schemas as plain JSON Schema (`Type.Unsafe`): `Nullable(T)` as
 * `type: [T's type, 'null']` or `anyOf: [T, null]`, `StringEnum` as `type: 'string', enum`.
 * TypeBox's checker has no rule for the Unsafe kind, so this is one, for exactly those forms; a
 * schema of another form is refused (false), never passed unchecked.
 */
function checkUnsafe(schema: Record<PropertyKey, unknown>, value: unknown): boolean {
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => Check(s as TSchema, value))
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type]
  if (value === null) return types.includes('null')
  const type = types.find((t) => t !== 'null')
  const kind = typeof type === 'string' ? KIND_OF_TYPE[type] : undefined
  if (kind === undefined) return false
  return Check({ ...schema, type, [Kind]: kind } as unknown as TSchema, value)
}
if (!TypeRegistry.Has('Unsafe')) TypeRegistry.Set('Unsafe', checkUnsafe)

/**
 * `value` as the schema's type, or SdkError SDK_BAD_RESPONSE (`details.path`: the first field
 * that does not match, as a JSON pointer, when it can be told).
 */
export async function checkAnswer<T extends TSchema>(schema: T, value: unknown, what: string): Promise<Static<T>> {
  if (Check(schema, value)) return value as Static<T>
  let path: string | undefined
  let message: string | undefined
  try {
    const { Errors } = await import('@sinclair/typebox/errors')
    const first = Errors(schema, value).First()
    path = first?.path
    message = first?.message
  } catch {
    // The walker could not name the field; the refusal stands without it.
  }
  throw new SdkError(
    'SDK_BAD_RESPONSE',
    `unexpected response: ${what}${path === undefined ? '' : ` at ${path === '' ? '/' : path}`}${message === undefined ? '' : ` (${message})`}`,
    { details: { what, ...(path === undefined ? {} : { path }) } },
  )
}

/** How a refusal names the request: the method and the path without its query. */
export function requestLabel(method: 'GET' | 'POST', path: string): string {
  return `${method} ${path.split('?')[0]}`
}

/** GET `path` through the client's transport, checked against `schema` (see checkAnswer). */
export async function getAnswer<T extends TSchema>(
  client: Pick<Client, 'getJson'>,
  path: string,
  schema: T,
): Promise<Static<T>> {
  return checkAnswer(schema, await client.getJson(path), requestLabel('GET', path))
}

/** A request through an SDK transport whose JSON answer is checked against `schema` (see checkAnswer). */
export async function requestAnswer<T extends TSchema>(
  transport: Pick<HttpTransport, 'request'>,
  method: 'GET' | 'POST',
  path: string,
  schema: T,
  body?: unknown,
): Promise<Static<T>> {
  return checkAnswer(schema, (await transport.request(method, path, body)).json, requestLabel(method, path))
}

/** One page of a list as a node answers it: the items, and the cursor of the next page (null at the end). */
export interface AnswerPage<T> {
  items: readonly T[]
  next: string | null
}

/** The most items `followPages` collects into memory: a longer list is refused, never cut short. */
export const FOLLOW_PAGES_MAX_ITEMS = 100_000

/**
 * The pages of a paged list, one at a time, for a caller that handles each as it comes (printing
 * a long history without holding it): `first` when the caller already holds the first page (an
 * answer that carries it, as a case carries its first steps), else `page(undefined)`; then
 * `page(next)` until `next` is null. A node that hands back a cursor it gave before would keep
 * the client walking for ever: that answer is refused with SdkError SDK_BAD_RESPONSE.
 */
export async function* eachPage<T>(
  page: (after: string | undefined) => Promise<AnswerPage<T>>,
  first?: AnswerPage<T>,
): AsyncGenerator<readonly T[], void, undefined> {
  let p = first ?? (await page(undefined))
  yield p.items
  const seen = new Set<string>()
  while (p.next !== null) {
    if (seen.has(p.next)) {
      throw new SdkError('SDK_BAD_RESPONSE', `unexpected response: the page cursor ${p.next} came back twice`, {
        details: { what: 'page cursor' },
      })
    }
    seen.add(p.next)
    p = await page(p.next)
    yield p.items
  }
}

/**
 * Every item of a paged list (see `eachPage`), in one array. A list longer than `maxItems`
 * (default FOLLOW_PAGES_MAX_ITEMS) is refused with SdkError SDK_LIST_TOO_LONG once the page
 * that crosses it arrives, so neither a very long list nor a node that makes up cursors without
 * end can fill the client's memory; walk such a list with `eachPage`.
 */
export async function followPages<T>(
  page: (after: string | undefined) => Promise<AnswerPage<T>>,
  first?: AnswerPage<T>,
  maxItems = FOLLOW_PAGES_MAX_ITEMS,
): Promise<T[]> {
  const all: T[] = []
  for await (const items of eachPage(page, first)) {
    if (all.length + items.length > maxItems) {
      throw new SdkError('SDK_LIST_TOO_LONG', `the list has more than ${maxItems} items: read it page by page`, {
        details: { maxItems },
      })
    }
    all.push(...items)
  }
  return all
}
