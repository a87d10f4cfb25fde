// the import works with the signed-in user's session in the browser (uploads, preview, live progress)
export const ssr = false;
