/**
 * The map page keeps its state (position, layers, selection) in the URL query
 * without navigating; the header's language switch reads it from here so that
 * switching language keeps the map where it is.
 */
export const viewUrl = $state<{ path: string; search: string }>({ path: '', search: '' });
