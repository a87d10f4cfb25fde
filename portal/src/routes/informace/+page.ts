// current items are fetched in the browser: "valid today" is the reader's today
export const ssr = false;
