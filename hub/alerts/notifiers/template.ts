// Issue 17: a logic-less template language for notification titles and bodies, mustache's subset, parsed once at
// config time (a bad template stops the hub) and rendered by walking the tree: no eval, no code in templates.
//   {{name}} {{labels.site}}  value (escaped in html mode)    {{{name}}}  value, never escaped
//   {{#list}}…{{/list}}  once per item (or once if truthy)    {{^name}}…{{/name}}  when missing, false, 0 or empty
//   {{.}}  the current item                                   {{! comment }}
import { OptionsError } from '../../../kit/options.js'

type Node =
  | { t: 'text'; text: string }
  | { t: 'var'; path: string[]; raw: boolean }
  | { t: 'section'; path: string[]; inverted: boolean; children: Node[] }

export interface Template {
  readonly source: string
  render(view: unknown, mode?: 'text' | 'html'): string
}

const TAG = /\{\{(\{)?\s*([#^/!]?)\s*([^}]*?)\s*(\})?\}\}/g
const NAME = /^(\.|[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*)$/

/** Parses `source`; throws an OptionsError at `key` naming what is wrong (unclosed section, bad name). */
export function compileTemplate(source: string, key: string): Template {
  const root: Node[] = []
  const stack: Array<{ name: string; children: Node[] }> = [{ name: '', children: root }]
  let last = 0
  for (const m of source.matchAll(TAG)) {
    const [whole, triple, sigil, name, closing] = m
    const here = stack[stack.length - 1].children
    if (m.index! > last) here.push({ t: 'text', text: source.slice(last, m.index) })
    last = m.index! + whole.length
    if (sigil === '!') continue
    if (Boolean(triple) !== Boolean(closing)) throw new OptionsError(key, `template: unbalanced braces in "${whole}"`)
    if (!NAME.test(name)) throw new OptionsError(key, `template: bad name "${name}" in "${whole}"`)
    const path = name === '.' ? [] : name.split('.')
    if (sigil === '#' || sigil === '^') {
      const node: Node = { t: 'section', path, inverted: sigil === '^', children: [] }
      here.push(node)
      stack.push({ name, children: node.children })
    } else if (sigil === '/') {
      const open = stack.pop()
      if (!open || open.name !== name || stack.length === 0) throw new OptionsError(key, `template: "{{/${name}}}" closes ${open?.name ? `"{{#${open.name}}}"` : 'nothing'}`)
    } else here.push({ t: 'var', path, raw: Boolean(triple) })
  }
  if (stack.length > 1) throw new OptionsError(key, `template: section "{{#${stack[stack.length - 1].name}}}" is never closed`)
  if (last < source.length) root.push({ t: 'text', text: source.slice(last) })
  return { source, render: (view, mode = 'text') => renderNodes(root, [view], mode) }
}

function lookup(stack: unknown[], path: string[]): unknown {
  if (path.length === 0) return stack[stack.length - 1]
  for (let i = stack.length - 1; i >= 0; i--) {
    const ctx = stack[i]
    if (ctx && typeof ctx === 'object' && Object.hasOwn(ctx, path[0])) {
      let v: unknown = ctx
      for (const p of path) v = v && typeof v === 'object' && Object.hasOwn(v, p) ? (v as Record<string, unknown>)[p] : undefined
      return v
    }
  }
  return undefined
}

function renderNodes(nodes: Node[], stack: unknown[], mode: 'text' | 'html'): string {
  let out = ''
  for (const n of nodes) {
    if (n.t === 'text') out += n.text
    else if (n.t === 'var') {
      const v = lookup(stack, n.path)
      const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
      out += mode === 'html' && !n.raw ? escapeHtml(s) : s
    } else {
      const v = lookup(stack, n.path)
      const empty = v === undefined || v === null || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0)
      if (n.inverted) {
        if (empty) out += renderNodes(n.children, stack, mode)
      } else if (!empty) {
        const items = Array.isArray(v) ? v : [v]
        for (const item of items) out += renderNodes(n.children, [...stack, item], mode)
      }
    }
  }
  return out
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
