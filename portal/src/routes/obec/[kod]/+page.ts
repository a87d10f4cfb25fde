import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';

// the map and the counts come from the API in the browser
export const ssr = false;

export const load: PageLoad = ({ params }) => {
  if (!/^\d{6}$/.test(params.kod)) error(404, 'not a RÚIAN municipality code');
  return { kod: Number(params.kod) };
};
