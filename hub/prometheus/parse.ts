import { parser } from '@prometheus-io/lezer-promql'
import type { SyntaxNode } from '@lezer/common'
import type { At, BinaryOp, Expr, Matcher, MatchType, VectorMatching, VectorSelectorNode } from './ast.js'
import { parseError } from './errors.js'
import { AGGREGATIONS, FUNCTIONS } from './functions.js'
import { parseDurationMs, parseNumber, unquote } from './literals.js'
import { compileAnchored } from './regex.js'
import { checkTypes } from './typecheck.js'

// lezer-promql (published with Prometheus) reads the text; this adapter turns its concrete tree into ast.ts's
// nodes, refusing what Outpost does not evaluate with bad_data naming it, then checks types as Prometheus does.

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^', Atan2: 'atan2',
  Eql: '==', Neq: '!=', Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
}
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' }
const EXPR_NODES = new Set([
  'AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'OffsetExpr', 'ParenExpr',
  'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr',
])

/** Parses and type-checks `query`; throws PromError bad_data naming the problem and its position. */
export function parsePromQL(query: string): Expr {
  if (query.trim() === '') throw parseError(query, 0, 'no expression found in input')
  const tree = parser.parse(query)
  reportSyntaxErrors(query, tree.topNode)
  const top = tree.topNode.firstChild
  if (!top) throw parseError(query, 0, 'no expression found in input')
  const expr = new Reader(query).expr(top)
  checkTypes(query, expr)
  return expr
}

function reportSyntaxErrors(query: string, top: SyntaxNode): void {
  const cursor = top.cursor()
  do {
    if (!cursor.type.isError) continue
    const node = cursor.node
    const prev = node.prevSibling
    // `foo(x)` with an unknown name parses as the selector `foo` followed by junk: name the function.
    if (query[node.from] === '(' && prev?.name === 'Identifier') {
      throw parseError(query, prev.from, `unknown function with name ${JSON.stringify(query.slice(prev.from, prev.to))}`)
    }
    if (node.from >= query.length) throw parseError(query, node.from, 'unexpected end of input')
    throw parseError(query, node.from, `unexpected ${JSON.stringify(query.slice(node.from, Math.max(node.to, node.from + 1)))}`)
  } while (cursor.next())
}

class Reader {
  constructor(private readonly q: string) {}

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to)
  }

  private fail(n: SyntaxNode, message: string): never {
    throw parseError(this.q, n.from, message)
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = []
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c)
    return out
  }

  private exprChildren(n: SyntaxNode): SyntaxNode[] {
    return this.children(n).filter((c) => EXPR_NODES.has(c.name))
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral': {
        const value = parseNumber(this.text(n))
        if (value === undefined) this.fail(n, `bad number or duration syntax: ${JSON.stringify(this.text(n))}`)
        return { kind: 'number', value }
      }
      case 'StringLiteral':
        return { kind: 'string', value: this.string(n) }
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(this.exprChildren(n)[0]) }
      case 'UnaryExpr': {
        const op = this.text(this.children(n)[0]) as '-' | '+'
        return { kind: 'unary', op, expr: this.expr(this.exprChildren(n)[0]) }
      }
      case 'VectorSelector':
        return this.vectorSelector(n)
      case 'MatrixSelector':
        return this.postfix(this.exprChildren(n)[0], (selector) => {
          if (selector.kind !== 'vector' || selector.offsetMs !== 0 || selector.at) {
            this.fail(n, selector.kind === 'vector' ? 'no offset modifiers allowed before range' : 'ranges only allowed for vector selectors')
          }
          return { kind: 'matrix', selector, rangeMs: this.duration(n.getChild('DurationExpr')!) }
        })
      case 'SubqueryExpr': {
        const durations = n.getChildren('DurationExpr')
        return this.postfix(this.exprChildren(n)[0], (expr) => ({
          kind: 'subquery',
          expr,
          rangeMs: this.duration(durations[0]),
          stepMs: durations[1] ? this.duration(durations[1]) : 0,
          offsetMs: 0,
        }))
      }
      case 'OffsetExpr':
        return this.postfix(this.exprChildren(n)[0], (target) => this.offset(n, target))
      case 'StepInvariantExpr':
        return this.postfix(this.exprChildren(n)[0], (target) => this.at(n, target))
      case 'FunctionCall':
        return this.call(n)
      case 'AggregateExpr':
        return this.aggregate(n)
      case 'BinaryExpr':
        return this.binary(n)
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.fail(n, `${n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported`)
      default:
        return this.fail(n, `unexpected ${n.name}`)
    }
  }

  /**
   * `a - b offset 5m`, `a / b[5m:1m]`, `-a @ 10`: lezer-promql's tree applies the postfix to the whole binary or
   * unary expression, Prometheus's grammar to the operand right before it. Push it down to that operand.
   */
  private postfix(operand: SyntaxNode, build: (target: Expr) => Expr): Expr {
    if (operand.name === 'BinaryExpr') return this.binary(operand, (rhs) => this.postfix(rhs, build))
    if (operand.name === 'UnaryExpr') {
      const op = this.text(this.children(operand)[0]) as '-' | '+'
      return { kind: 'unary', op, expr: this.postfix(this.exprChildren(operand)[0], build) }
    }
    return build(this.expr(operand))
  }

  private string(n: SyntaxNode): string {
    try {
      return unquote(this.text(n))
    } catch (err) {
      return this.fail(n, (err as Error).message)
    }
  }

  private duration(n: SyntaxNode): number {
    const parts = this.children(n)
    if (parts.length !== 1) this.fail(n, 'duration expressions are not supported: write a single duration such as 5m')
    const ms = parseDurationMs(this.text(parts[0]))
    if (ms === undefined) this.fail(n, `bad duration syntax: ${JSON.stringify(this.text(n))}`)
    if (ms <= 0) this.fail(n, `duration must be greater than 0`)
    return ms
  }

  private vectorSelector(n: SyntaxNode): VectorSelectorNode {
    const id = n.getChild('Identifier')
    const name = id ? this.text(id) : undefined
    const matchers: Matcher[] = []
    const list = n.getChild('LabelMatchers')
    for (const m of list ? this.children(list) : []) {
      if (m.name === 'QuotedLabelName') {
        matchers.push({ name: '__name__', type: '=', value: this.string(m.firstChild!) })
        continue
      }
      if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue
      const labelNode = m.firstChild!
      const label = labelNode.name === 'QuotedLabelName' ? this.string(labelNode.firstChild!) : this.text(labelNode)
      const type = MATCH_OPS[m.getChild('MatchOp')!.firstChild!.name]
      const value = this.string(m.getChild('StringLiteral')!)
      const matcher: Matcher = { name: label, type, value }
      if (type === '=~' || type === '!~') {
        try {
          matcher.re = compileAnchored(value)
        } catch (err) {
          this.fail(m, `invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`)
        }
      }
      matchers.push(matcher)
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__')) this.fail(n, `metric name must not be set twice: ${JSON.stringify(name)}`)
      matchers.unshift({ name: '__name__', type: '=', value: name })
    }
    const nonEmpty = matchers.some((m) => !(m.re ? m.re.test('') === (m.type === '=~') : (m.value === '') === (m.type === '=')))
    if (!nonEmpty) this.fail(n, 'vector selector must contain at least one non-empty matcher')
    const eqName = matchers.find((m) => m.name === '__name__' && m.type === '=')
    return { kind: 'vector', name: eqName?.value, matchers, offsetMs: 0 }
  }

  /** `offset` folds into the selector or subquery it follows (Prometheus allows nothing else there). */
  private offset(n: SyntaxNode, target: Expr): Expr {
    const durationNode = n.getChild('OffsetDurationExpr')!
    const parts = this.children(durationNode)
    const ms = parts.length === 1 ? parseDurationMs(this.text(parts[0]).replace(/^\+/, '')) : undefined
    if (ms === undefined) this.fail(durationNode, `bad offset ${JSON.stringify(this.text(durationNode))}`)
    const set = (holder: { offsetMs: number }) => {
      if (holder.offsetMs !== 0) this.fail(n, 'offset may not be set multiple times')
      holder.offsetMs = ms
    }
    if (target.kind === 'vector' || target.kind === 'subquery') set(target)
    else if (target.kind === 'matrix') set(target.selector)
    else if (target.kind === 'invariant' && ['vector', 'matrix', 'subquery'].includes(target.expr.kind)) {
      const inner = target.expr
      set(inner.kind === 'matrix' ? inner.selector : (inner as { offsetMs: number }))
    } else this.fail(n, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery')
    return target
  }

  /** `@` likewise; the node is wrapped so the evaluator computes it once for every step. */
  private at(n: SyntaxNode, target: Expr): Expr {
    const pre = n.getChild('AtModifierPreprocessors')
    let at: At
    if (pre) at = { kind: this.text(pre) === 'start' ? 'start' : 'end' }
    else {
      const lit = n.getChild('NumberDurationLiteral')!
      const seconds = parseNumber(this.text(lit))
      if (seconds === undefined || !Number.isFinite(seconds)) this.fail(lit, `timestamp out of bounds for @ modifier: ${this.text(lit)}`)
      at = { kind: 'time', ms: Math.round(seconds * 1000) }
    }
    const holder = target.kind === 'matrix' ? target.selector : target.kind === 'vector' || target.kind === 'subquery' ? target : undefined
    if (!holder) this.fail(n, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery')
    if (holder.at) this.fail(n, '@ <timestamp> may not be set multiple times')
    holder.at = at
    return { kind: 'invariant', expr: target }
  }

  private call(n: SyntaxNode): Expr {
    const idNode = n.getChild('FunctionIdentifier')!
    const func = this.text(idNode)
    if (!(func in FUNCTIONS)) this.fail(idNode, `function ${JSON.stringify(func)} is not supported by Outpost's PromQL engine`)
    const args = this.exprChildren(n.getChild('FunctionCallBody')!).map((a) => this.expr(a))
    return { kind: 'call', func, args }
  }

  private aggregate(n: SyntaxNode): Expr {
    const opNode = n.getChild('AggregateOp')!
    const op = this.text(opNode)
    if (!AGGREGATIONS.has(op)) this.fail(opNode, `aggregation ${JSON.stringify(op)} is not supported by Outpost's PromQL engine`)
    const modifier = n.getChild('AggregateModifier')
    const grouping = modifier ? this.labels(modifier.getChild('GroupingLabels')!) : []
    const without = modifier?.firstChild?.name === 'Without'
    const args = this.exprChildren(n.getChild('FunctionCallBody')!).map((a) => this.expr(a))
    const wantsParam = ['topk', 'bottomk', 'quantile', 'count_values'].includes(op)
    const expected = wantsParam ? 2 : 1
    if (args.length !== expected) this.fail(n, `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${args.length}`)
    return { kind: 'aggregate', op, expr: args[args.length - 1], param: wantsParam ? args[0] : undefined, without, grouping }
  }

  private labels(n: SyntaxNode): string[] {
    return this.children(n)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
      .map((c) => (c.name === 'LabelName' ? this.text(c) : this.string(c.firstChild!)))
  }

  private binary(n: SyntaxNode, rhsOf?: (rhs: SyntaxNode) => Expr): Expr {
    const [lhsNode, rhsNode] = this.exprChildren(n)
    const opNode = this.children(n).find((c) => c.name in BINARY_OPS)!
    const op = BINARY_OPS[opNode.name]
    const returnBool = !!n.getChild('BoolModifier')
    const clause = n.getChild('MatchingModifierClause')
    if (n.getChild('FillModifier')) this.fail(n, 'fill modifiers are not supported')
    let matching: VectorMatching | undefined
    const setOp = op === 'and' || op === 'or' || op === 'unless'
    if (clause || setOp) {
      const lists = clause ? clause.getChildren('GroupingLabels') : []
      const left = !!clause?.getChild('GroupLeft')
      const right = !!clause?.getChild('GroupRight')
      matching = {
        card: setOp ? 'many-to-many' : left ? 'many-to-one' : right ? 'one-to-many' : 'one-to-one',
        on: !!clause?.getChild('On'),
        labels: lists[0] ? this.labels(lists[0]) : [],
        include: lists[1] ? this.labels(lists[1]) : [],
      }
      if (setOp && (left || right)) this.fail(n, `no grouping allowed for "${op}" operation`)
      if (matching.on && matching.include.some((l) => matching!.labels.includes(l))) {
        const l = matching.include.find((x) => matching!.labels.includes(x))
        this.fail(n, `label "${l}" must not occur in ON and GROUP clause at once`)
      }
    }
    return { kind: 'binary', op, lhs: this.expr(lhsNode), rhs: rhsOf ? rhsOf(rhsNode) : this.expr(rhsNode), returnBool, matching }
  }
}
