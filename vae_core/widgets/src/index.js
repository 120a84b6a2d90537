// The bundle's entry: the anywidget front end (default export) and the decoder's functions,
// which node.py and the browser test call directly.
export { default } from "./widgets.js";
export * from "./decoder.js";
export * from "./slerp.js";
