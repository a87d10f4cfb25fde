// the map is drawn in the browser (WebGL) and printed by the browser's own print to PDF
export const ssr = false;
