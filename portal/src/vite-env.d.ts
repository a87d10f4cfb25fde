/// <reference path="../.svelte-kit/ambient.d.ts" />
declare module '*?url' {
  const url: string;
  export default url;
}
