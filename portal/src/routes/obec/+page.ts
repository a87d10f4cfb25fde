// the list of municipalities is fetched in the browser from the API (same origin)
export const ssr = false;
