// One schema per settings section is the source of truth: each leaf carries its description and default, the
// settings' types are z.output of the schema, and the CLI derives its flags, env vars and YAML keys from it.
import * as z from 'zod'

/** What the CLI shows of a setting besides its schema. */
export interface SettingMeta {
  description: string
  /** Only settable in the YAML file (structured values such as collector options). */
  fileOnly?: boolean
}

/** A setting with no default: absent unless set. */
export function setting<S extends z.ZodType>(schema: S, meta: SettingMeta | string): z.ZodOptional<S> {
  return schema.optional().meta(metaOf(meta))
}

/** A setting whose default is given as a user would write it (`'30s'`, `'1MiB'`) and goes through the schema. */
export function settingWithDefault<S extends z.ZodType>(schema: S, meta: SettingMeta | string, value: z.input<S>): z.ZodPrefault<S> {
  return schema.prefault(value as never).meta(metaOf(meta)) as z.ZodPrefault<S>
}

const metaOf = (meta: SettingMeta | string): Record<string, unknown> => (typeof meta === 'string' ? { description: meta } : { ...meta })

/** A section (`limits:`, `retention:`): a mapping of settings whose own defaults apply when it is absent. */
export function section<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.object(shape).prefault({} as never)
}

/** A leaf of a settings schema, flattened: its dotted path, the schema of its value, default and meta. */
export interface SettingLeaf extends SettingMeta {
  path: string
  schema: z.ZodType
  default?: unknown
}

/** Walks a settings schema (sections nested to any depth) into its leaves, in declaration order. */
export function settingLeaves(schema: z.ZodObject, prefix = ''): SettingLeaf[] {
  const out: SettingLeaf[] = []
  for (const [key, field] of Object.entries(schema.shape) as Array<[string, z.ZodType]>) {
    const path = prefix + key
    const object = sectionObject(field)
    if (object) {
      out.push(...settingLeaves(object, path + '.'))
      continue
    }
    const meta = field.meta() as SettingMeta | undefined
    if (!meta?.description) throw new Error(`setting ${path} has no description`)
    if (field instanceof z.ZodPrefault) {
      out.push({ ...meta, path, schema: field.unwrap() as z.ZodType, default: field._zod.def.defaultValue })
    } else if (field instanceof z.ZodOptional) {
      out.push({ ...meta, path, schema: field.unwrap() as z.ZodType })
    } else {
      throw new Error(`setting ${path}: declare it with setting() or settingWithDefault()`)
    }
  }
  return out
}

/** The object inside a section (`section()`, or an optional z.object), else undefined for a leaf. */
function sectionObject(field: z.ZodType): z.ZodObject | undefined {
  let inner: z.ZodType = field
  while (inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType
  return inner instanceof z.ZodObject && field.meta() === undefined ? inner : undefined
}
