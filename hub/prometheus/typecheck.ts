import { COMPARISON_OPS, SET_OPS, type Expr, type ValueType } from './ast.js'
import { parseError } from './errors.js'
import { AGGREGATION_PARAM, FUNCTIONS, TYPE_NAMES } from './functions.js'

// Prometheus's parser checks types before anything runs (promql/parser/parse.go `checkAST`); the messages here
// are its messages, so `rate(foo)` fails as it does there: a 400 bad_data naming the function and the types.

export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar'
    case 'string':
      return 'string'
    case 'vector':
    case 'aggregate':
      return 'vector'
    case 'matrix':
    case 'subquery':
      return 'matrix'
    case 'call':
      return FUNCTIONS[e.func].returns
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector'
    case 'unary':
    case 'paren':
    case 'invariant':
      return typeOf(e.expr)
  }
}

export function checkTypes(query: string, e: Expr): void {
  const fail = (message: string): never => {
    throw parseError(query, 0, message)
  }
  const expect = (want: ValueType, got: Expr, context: string) => {
    const t = typeOf(got)
    if (t !== want) fail(`expected type ${TYPE_NAMES[want]} in ${context}, got ${TYPE_NAMES[t]}`)
  }
  switch (e.kind) {
    case 'paren':
    case 'invariant':
      checkTypes(query, e.expr)
      return
    case 'unary': {
      const t = typeOf(e.expr)
      if (t !== 'scalar' && t !== 'vector') fail(`unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(TYPE_NAMES[t])}`)
      checkTypes(query, e.expr)
      return
    }
    case 'subquery':
      if (typeOf(e.expr) !== 'vector') fail(`subquery is only allowed on instant vector, got ${TYPE_NAMES[typeOf(e.expr)]} instead`)
      checkTypes(query, e.expr)
      return
    case 'aggregate':
      expect('vector', e.expr, 'aggregation expression')
      if (e.param) expect(AGGREGATION_PARAM[e.op], e.param, 'aggregation parameter')
      checkTypes(query, e.expr)
      if (e.param) checkTypes(query, e.param)
      return
    case 'call': {
      const sig = FUNCTIONS[e.func]
      const n = e.args.length
      if (sig.variadic === undefined && n !== sig.args.length) {
        fail(`expected ${sig.args.length} argument(s) in call to ${JSON.stringify(e.func)}, got ${n}`)
      }
      if (sig.variadic !== undefined) {
        // Prometheus's checkAST: the last argument type is optional; `variadic` more of it may follow (-1: any).
        const min = sig.args.length - 1
        const max = sig.variadic > 0 ? min + sig.variadic : Infinity
        if (n < min) fail(`expected at least ${min} argument(s) in call to ${JSON.stringify(e.func)}, got ${n}`)
        if (n > max) fail(`expected at most ${max} argument(s) in call to ${JSON.stringify(e.func)}, got ${n}`)
      }
      e.args.forEach((arg, i) => {
        const want = sig.args[Math.min(i, sig.args.length - 1)]
        expect(want, arg, `call to function ${JSON.stringify(e.func)}`)
        checkTypes(query, arg)
      })
      return
    }
    case 'binary': {
      const lt = typeOf(e.lhs)
      const rt = typeOf(e.rhs)
      const ok = (t: ValueType) => t === 'scalar' || t === 'vector'
      if (!ok(lt) || !ok(rt)) fail('binary expression must contain only scalar and instant vector types')
      if (e.returnBool && !COMPARISON_OPS.has(e.op)) fail('bool modifier can only be used on comparison operators')
      if (COMPARISON_OPS.has(e.op) && lt === 'scalar' && rt === 'scalar' && !e.returnBool) fail('comparisons between scalars must use BOOL modifier')
      if (SET_OPS.has(e.op) && (lt === 'scalar' || rt === 'scalar')) fail(`set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`)
      if (e.matching && !SET_OPS.has(e.op) && (lt !== 'vector' || rt !== 'vector') && (e.matching.on || e.matching.labels.length > 0 || e.matching.card !== 'one-to-one')) {
        fail('vector matching only allowed between instant vectors')
      }
      checkTypes(query, e.lhs)
      checkTypes(query, e.rhs)
      return
    }
    default:
      return
  }
}
