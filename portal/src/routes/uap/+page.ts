// staff data, loaded in the browser with the session
export const ssr = false;
