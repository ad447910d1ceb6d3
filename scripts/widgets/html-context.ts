// Where in the markup an `html` interpolation lands. Escaping is only safe for the context it
// was made for: text needs <>& escaped, an unquoted attribute value also needs quotes around
// it, a URL attribute also needs its scheme checked, and a value must never become an
// attribute name. This scanner reads the template's static parts (interpolated values never
// change the state: they are escaped or quoted for the state they land in) and says which.
export type Context =
  | { kind: 'text' }
  /** Between attributes of a tag: only markup from attributes()/on() may go here. */
  | { kind: 'attributes' }
  /** Inside an attribute name, after `prefix`. */
  | { kind: 'name'; prefix: string }
  /** Right after `name=`: an unquoted value. */
  | { kind: 'unquoted'; name: string }
  /**
   * Inside a value, `valueSoFar` being the text before this one; `bare` when that value has no
   * quotes (`href=/x${v}`), where whitespace would end it.
   */
  | { kind: 'quoted'; name: string; valueSoFar: string; bare: boolean }

type State =
  | 'text' | 'tagName' | 'tag' | 'name' | 'afterName' | 'beforeValue' | 'dq' | 'sq' | 'unquoted' | 'comment' | 'declaration' | 'rawText'

/** Elements whose content is not markup: a `<` inside does not start a tag. */
const rawTextElements = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'])

export class ContextScanner {
  private state: State = 'text'
  private tagName = ''
  private name = ''
  private value = ''
  private nameFromValue = false
  private rawEnd = ''

  /** Called with each static part in turn. */
  feed(markup: string, onName: (name: string, fromValue: boolean) => void): void {
    for (let i = 0; i < markup.length; i++) {
      const char = markup[i]!
      const space = /\s/.test(char)
      switch (this.state) {
        case 'text':
          if (char !== '<') break
          if (markup.startsWith('<!--', i)) {
            this.state = 'comment'
            i += 3
          } else if (markup[i + 1] === '!' || markup[i + 1] === '?') this.state = 'declaration'
          else if (/[a-zA-Z/]/.test(markup[i + 1] ?? '')) this.startTag('')
          break
        case 'comment':
          if (markup.startsWith('-->', i)) {
            this.state = 'text'
            i += 2
          }
          break
        case 'declaration':
          if (char === '>') this.state = 'text'
          break
        case 'rawText':
          if (markup.slice(i, i + this.rawEnd.length).toLowerCase() === this.rawEnd) {
            this.startTag('/')
            i += 1
          }
          break
        case 'tagName':
          if (space || char === '/') this.state = 'tag'
          else if (char === '>') this.endTag()
          else this.tagName += char
          break
        case 'tag':
          if (char === '>') this.endTag()
          else if (!space && char !== '/') this.startName(char)
          break
        case 'name':
          if (space || char === '/' || char === '>' || char === '=') {
            onName(this.name, this.nameFromValue)
            if (char === '=') this.state = 'beforeValue'
            else if (char === '>') this.endTag()
            else this.state = space ? 'afterName' : 'tag'
          } else this.name += char
          break
        case 'afterName':
          if (char === '=') this.state = 'beforeValue'
          else if (char === '>') this.endTag()
          else if (!space && char !== '/') this.startName(char)
          break
        case 'beforeValue':
          if (char === '"' || char === "'") this.startValue(char === '"' ? 'dq' : 'sq', '')
          else if (char === '>') this.endTag()
          else if (!space) this.startValue('unquoted', char)
          break
        case 'dq':
        case 'sq':
          if (char === (this.state === 'dq' ? '"' : "'")) this.state = 'tag'
          else this.value += char
          break
        case 'unquoted':
          if (space) this.state = 'tag'
          else if (char === '>') this.endTag()
          else this.value += char
          break
      }
    }
  }

  /** The context of the value about to be inserted. */
  context(): Context {
    switch (this.state) {
      case 'tag':
      case 'afterName':
      case 'tagName': // <button${attributes(…)}>
        return { kind: 'attributes' }
      case 'name':
        return { kind: 'name', prefix: this.name }
      case 'beforeValue':
        return { kind: 'unquoted', name: this.name }
      case 'dq':
      case 'sq':
      case 'unquoted':
        return { kind: 'quoted', name: this.name, valueSoFar: this.value, bare: this.state === 'unquoted' }
      default:
        return { kind: 'text' }
    }
  }

  /** After a value was inserted in `context`. */
  inserted(context: Context, text: string): void {
    if (context.kind === 'unquoted') this.state = 'tag' // it was written with quotes around it
    else if (context.kind === 'attributes' && this.state === 'tagName') this.state = 'tag'
    else if (context.kind === 'quoted') this.value += text || 'x'
    else if (context.kind === 'name') {
      this.name += text
      this.nameFromValue = true
    }
  }

  private startTag(name: string): void {
    this.state = 'tagName'
    this.tagName = name
  }

  private startValue(state: 'dq' | 'sq' | 'unquoted', first: string): void {
    this.state = state
    this.value = first
  }

  private startName(char: string): void {
    this.state = 'name'
    this.name = char
    this.nameFromValue = false
  }

  private endTag(): void {
    const tag = this.tagName.toLowerCase()
    if (rawTextElements.has(tag)) {
      this.state = 'rawText'
      this.rawEnd = `</${tag}`
    } else this.state = 'text'
  }
}
