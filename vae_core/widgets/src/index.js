// The bundle's entry: the anywidget front end (default export: the views of widgets.js, and the
// beta explorer of beta.js for kind "beta") and the decoder's functions, which node.py and the
// browser test call directly.
import views from "./widgets.js";
import beta from "./beta.js";

export default {
  render: (context) => (context.model.get("kind") === "beta" ? beta : views).render(context),
};
export * from "./decoder.js";
export { barParts, fitqGrid, fitqReadouts } from "./fitq.js";
export * from "./slerp.js";
