import { serviceColor } from '../lib/colors'
import './ServiceTag.css'

/** A service name with its colour swatch, as text. */
export function ServiceTag({ name }: { name: string }) {
  return (
    <span className="service-tag">
      <span className="dot" style={{ background: serviceColor(name) }} aria-hidden="true" />
      <span className="ellipsis">{name}</span>
    </span>
  )
}
