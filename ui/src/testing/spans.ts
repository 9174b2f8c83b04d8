// The fixtures live beside the span tree in @skein/model, which tests the tree with them.
export { bigTrace, log, span } from '@skein/model/testing'
