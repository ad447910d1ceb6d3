// The template table: adding a template is adding a row here and a `template-<name>` folder.
export interface Template {
  name: string
  label: string
  description: string
  /** create-vite template laid down first; ours is copied over it. */
  viteBase?: string
  /** Files or folders of the create-vite base that our template replaces with nothing. */
  omitFromBase?: readonly string[]
  /** Folders of the shared runtime (scripts/) that only some templates use. */
  runtime?: readonly string[]
  /**
   * App code shared by several templates: each `template-<layer>` folder is laid down after the
   * create-vite base and before `template-<name>` (the React and Lit demos share one backend).
   */
  layers?: readonly string[]
  /** Paths (files or folders) of the layers that this template leaves out: a blank drops the demo. */
  omitFromLayers?: readonly string[]
  /**
   * The template this one is a variant of. As create-vite asks for a framework and then a
   * variant, the prompt lists the templates without `variantOf`, then this one's variants.
   */
  variantOf?: string
}

// The blank variants: the template's plumbing (config, runtime, styles, the typed connection)
// with one small screen and its test instead of the demo. Why variants rather than a "remove
// the demo" step: docs/templates.md.
const spaDemo = ['src/components', 'src/pages', 'src/router.ts', 'src/navigation.ts', 'shared/signup.ts', 'shared/constants.ts', 'test/dev.test.ts', 'test/dev-session.ts']

export const templates: readonly Template[] = [
  {
    name: 'widgets',
    label: 'Widgets',
    description: 'UI written as server-side TypeScript widgets; HTML patches stream over /ws',
    runtime: ['widgets'],
  },
  {
    name: 'react',
    label: 'React',
    description: 'Vite + React frontend, server state and typed calls over /ws',
    viteBase: 'react-ts',
    omitFromBase: ['README.md', 'src/assets', 'public/icons.svg'],
    layers: ['spa'],
    runtime: ['sync', 'vite'],
  },
  {
    name: 'lit',
    label: 'Lit',
    description: 'Vite + Lit web components, server state and typed calls over /ws',
    viteBase: 'lit-ts',
    omitFromBase: ['src/my-element.ts', 'src/assets', 'public/icons.svg'],
    layers: ['spa'],
    runtime: ['sync', 'vite'],
  },
  {
    name: 'widgets-blank',
    label: 'Widgets, blank',
    description: 'the widgets template without its demo: one page, one test',
    variantOf: 'widgets',
    layers: ['widgets'],
    omitFromLayers: ['src/components', 'src/pages', 'src/hooks', 'src/notes.ts', 'test/extras.test.ts', 'test/lifecycle.test.ts'],
    runtime: ['widgets'],
  },
  {
    name: 'react-blank',
    label: 'React, blank',
    description: 'the React template without its demo: one screen, one test',
    variantOf: 'react',
    viteBase: 'react-ts',
    omitFromBase: ['README.md', 'src/assets', 'public/icons.svg'],
    layers: ['spa', 'react', 'spa-blank'],
    omitFromLayers: spaDemo,
    runtime: ['sync', 'vite'],
  },
  {
    name: 'lit-blank',
    label: 'Lit, blank',
    description: 'the Lit template without its demo: one screen, one test',
    variantOf: 'lit',
    viteBase: 'lit-ts',
    omitFromBase: ['src/my-element.ts', 'src/assets', 'public/icons.svg'],
    layers: ['spa', 'lit', 'spa-blank'],
    omitFromLayers: [...spaDemo, 'src/call-error.ts', 'src/styles.ts'],
    runtime: ['sync', 'vite'],
  },
]

export const defaultTemplate = 'widgets'

/** Every template-<name> folder the scaffolder ships: the templates and their shared layers. */
export const templateFolders: readonly string[] = [
  ...new Set(templates.flatMap((template) => [...(template.layers ?? []), template.name])),
].map((name) => `template-${name}`)

export function findTemplate(name: string): Template | undefined {
  return templates.find((template) => template.name === name)
}

/** taupy/ folders left out of a template that does not list them in its runtime. */
export function unusedRuntime(template: Template): Set<string> {
  const optional = new Set(templates.flatMap((t) => t.runtime ?? []))
  for (const folder of template.runtime ?? []) optional.delete(folder)
  return optional
}

/** The templates the first prompt offers (the frameworks). */
export const mainTemplates: readonly Template[] = templates.filter((template) => !template.variantOf)

/** A template and its variants, itself first: what the second prompt offers. */
export function variantsOf(template: Template): Template[] {
  return [template, ...templates.filter((t) => t.variantOf === template.name)]
}
