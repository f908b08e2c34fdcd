/**
 * world-atlas ships its TopoJSON as plain .json files; Vite bundles them as
 * modules. The shape is Natural Earth's, as topojson-specification describes.
 */
declare module 'world-atlas/countries-110m.json' {
  import type { Topology } from 'topojson-specification';

  const topology: Topology;
  export default topology;
}
