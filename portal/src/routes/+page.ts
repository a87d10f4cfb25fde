// the map is drawn in the browser; the server renders the shell (header, layer list)
export const ssr = true;
