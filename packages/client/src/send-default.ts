/**
 * The transport's default exchange in browsers and any non-Node runtime (package.json "imports"
 * condition "default"): none of its own, so the transport uses the global `fetch`. Must never
 * import a node: module.
 */
import type { HttpSend } from './send.ts'

export const platformSend: HttpSend | undefined = undefined
