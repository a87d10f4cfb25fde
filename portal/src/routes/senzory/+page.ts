// the shell renders on the server; sensor data and the live stream are fetched in the browser
export const ssr = true;
