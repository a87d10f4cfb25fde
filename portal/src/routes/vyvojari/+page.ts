// key management and statistics belong to the signed-in developer: fetched in the browser
export const ssr = false;
