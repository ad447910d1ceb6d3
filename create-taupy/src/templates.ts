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
}

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
