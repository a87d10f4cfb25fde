// signing in needs the browser (the session cookie is set by the API)
export const ssr = false;
