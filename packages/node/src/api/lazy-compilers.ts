/**
 * Schema compilers for fastify that compile on first use. Fastify compiles every route's request
 * validators (ajv) and response serializers (fast-json-stringify, one per status) when the server
 * becomes ready, although a node answers only a few of its routes in a given run (tests start
 * hundreds of nodes, the CLI starts nodes too): with the applications' routes, that compiling
 * was about 1 s of the 4 s of CPU a node took to start.
 *
 * Each compiler here hands fastify a stand-in at start-up and compiles the real function on the
 * stand-in's first call or property read. The stand-in forwards every call and property read to
 * that function: fastify reads an ajv validator's `schemaEnv` before calling it (to pass the
 * parent object, so defaults and coercion can replace the root value) and its `errors` after a
 * failed call (validation.js). A call through the stand-in costs some 80 ns more than a direct one.
 * The compilers themselves are unchanged: the caller's own ajv
 * instances, and fastify's own fast-json-stringify compiler with the options fastify gives it.
 *
 * A schema that does not compile now fails its route's first request (500) instead of start-up;
 * api-lazy-compile.test.ts compiles every route's schemas, so such a schema fails the tests.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
export type ValidatorCompiler = ReturnType<NonNullable<Compilers['buildValidator']>>
type SerializerFactory = NonNullable<Compilers['buildSerializer']>

/** A function that stands for `compile()`'s result and calls `compile` once, on its first use. */
export function compiledOnFirstUse<F extends (...args: never[]) => unknown>(compile: () => F): F {
  let compiled: F | undefined
  const fn = (): F => {
    compiled ??= compile()
    return compiled
  }
  // An arrow function as the target: it has no `prototype`, so no proxy invariant pins a property.
  return new Proxy((() => undefined) as unknown as F, {
    apply: (_target, thisArg, args) => Reflect.apply(fn(), thisArg, args),
    get: (_target, property) => Reflect.get(fn(), property),
    has: (_target, property) => Reflect.has(fn(), property),
  })
}

/**
 * `schemaController.compilersFactory` for `Fastify()`: `validator` (the server's own compiler)
 * and `serializers` (default: fastify's own, fast-json-stringify), both compiling on first use.
 */
export function lazyCompilersFactory(
  validator: ValidatorCompiler,
  serializers: SerializerFactory = SerializerSelector(),
): Required<Compilers> {
  return {
    buildValidator: () => (route) => compiledOnFirstUse(() => validator(route)),
    buildSerializer: (externalSchemas, options) => {
      const serializer = serializers(externalSchemas, options)
      return (route) => compiledOnFirstUse(() => serializer(route))
    },
  }
}
