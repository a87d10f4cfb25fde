// the overview is fetched in the browser from the API (same origin)
export const ssr = false;

export function load({ params }: { params: { kod: string } }) {
  return { kod: params.kod };
}
