// Draws bars for the numbers in data-points as an SVG the server never sees: the element is
// an ignore() region, so patches keep this DOM and only update the attribute.
import type { Hook } from '../../taupy/widgets/client/start.js'

const svgNs = 'http://www.w3.org/2000/svg'

const draw = (el: HTMLElement): void => {
  const points = (el.dataset.points ?? '').split(',').map(Number).filter((n) => Number.isFinite(n))
  let svg = el.querySelector('svg')
  if (!svg) {
    svg = document.createElementNS(svgNs, 'svg')
    svg.setAttribute('role', 'img')
    el.append(svg)
  }
  svg.setAttribute('aria-label', `${points.length} points`)
  svg.setAttribute('viewBox', `0 0 ${points.length * 10} 10`)
  svg.replaceChildren(
    ...points.map((value, i) => {
      const bar = document.createElementNS(svgNs, 'rect')
      bar.setAttribute('x', String(i * 10 + 1))
      bar.setAttribute('y', String(10 - value))
      bar.setAttribute('width', '8')
      bar.setAttribute('height', String(value))
      return bar
    }),
  )
}

export const sparkline: Hook = { mounted: draw, updated: draw }
