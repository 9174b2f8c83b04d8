/**
 * jsdom has no layout engine: every element measures 0×0, so a virtualized list would render nothing.
 * Give elements a fixed viewport size (and list items a row height) so virtualization behaves as in a browser.
 */
export function fakeLayout(viewport = { width: 1000, height: 600 }, itemHeight = 26): void {
  const define = (prop: string, value: number) =>
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value })
  define('clientWidth', viewport.width)
  define('clientHeight', viewport.height)
  define('offsetWidth', viewport.width)
  define('offsetHeight', itemHeight)
}
