// The PromQL syntax tree the evaluator walks: what parse.ts builds from lezer-promql's concrete tree, with
// `offset` and `@` folded into the selector or subquery they modify, and every node's result type checked.

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string'

export type MatchType = '=' | '!=' | '=~' | '!~'

export interface Matcher {
  name: string
  type: MatchType
  value: string
  /** Fully anchored (`^(?:value)$`), for `=~` and `!~`. */
  re?: RegExp
}

/** `@ 123`, `@ start()`, `@ end()`; resolved to ms when the query's range is known. */
export type At = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' }

export interface VectorSelectorNode {
  kind: 'vector'
  name?: string
  matchers: Matcher[]
  offsetMs: number
  at?: At
}

export interface MatrixSelectorNode {
  kind: 'matrix'
  selector: VectorSelectorNode
  rangeMs: number
}

export interface SubqueryNode {
  kind: 'subquery'
  expr: Expr
  rangeMs: number
  /** 0: the default evaluation interval. */
  stepMs: number
  offsetMs: number
  at?: At
}

export interface NumberNode {
  kind: 'number'
  value: number
}

export interface StringNode {
  kind: 'string'
  value: string
}

export interface CallNode {
  kind: 'call'
  func: string
  args: Expr[]
}

export interface AggregateNode {
  kind: 'aggregate'
  op: string
  expr: Expr
  param?: Expr
  without: boolean
  grouping: string[]
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless'

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many'
  on: boolean
  labels: string[]
  /** group_left / group_right labels copied from the "one" side. */
  include: string[]
}

export interface BinaryNode {
  kind: 'binary'
  op: BinaryOp
  lhs: Expr
  rhs: Expr
  returnBool: boolean
  matching?: VectorMatching
}

export interface UnaryNode {
  kind: 'unary'
  op: '-' | '+'
  expr: Expr
}

export interface ParenNode {
  kind: 'paren'
  expr: Expr
}

/** An expression whose value is the same at every step (`@` inside it): evaluated once, repeated. */
export interface StepInvariantNode {
  kind: 'invariant'
  expr: Expr
}

export type Expr =
  | VectorSelectorNode
  | MatrixSelectorNode
  | SubqueryNode
  | NumberNode
  | StringNode
  | CallNode
  | AggregateNode
  | BinaryNode
  | UnaryNode
  | ParenNode
  | StepInvariantNode

export const COMPARISON_OPS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<='])
export const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless'])
