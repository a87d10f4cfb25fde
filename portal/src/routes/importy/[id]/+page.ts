// the run is read in the browser from /api/etl/runs/{id} (runs of non-public layers need the session cookie)
export const ssr = false;
