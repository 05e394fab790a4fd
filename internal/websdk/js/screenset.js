// screenset.js: the screen-set renderer (placeholder until it is written).
