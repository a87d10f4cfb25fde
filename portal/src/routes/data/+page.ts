// the list is rendered in the browser from /api/catalog/portal.json
export const ssr = false;
