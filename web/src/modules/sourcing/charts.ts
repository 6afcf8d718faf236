/**
 * The ECharts parts the sourcing pages use (geo map, scatter, lines, radar, line), registered once and loaded with
 * the first sourcing chart. The world outline is bundled (world-atlas 1:110m, Natural Earth, public domain), so the
 * map needs no tile server and no network at run time.
 */
import { use, init, registerMap } from 'echarts/core';
import { LineChart, LinesChart, RadarChart, ScatterChart, BarChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, RadarComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';

use([LineChart, LinesChart, RadarChart, ScatterChart, BarChart, GeoComponent, GridComponent, LegendComponent, RadarComponent, TooltipComponent, CanvasRenderer]);

const topology = world as unknown as Topology<{ countries: GeometryCollection }>;
const countries = feature(topology, topology.objects.countries);
// Antarctica (ISO numeric 010) has no supplier and its outline draws a band across the bottom of a flat map.
countries.features = countries.features.filter((f) => f.id !== '010');
// Rings that cross the antimeridian (Russia's far east, Fiji) would draw a line across the whole map: move their
// western-hemisphere points east of 180° so they stay together at the right edge.
type Ring = number[][];
const mend = (ring: Ring) => {
  const lons = ring.map((p) => p[0]!);
  if (Math.max(...lons) - Math.min(...lons) <= 180) return ring;
  return ring.map(([lon, lat]) => [lon! < 0 ? lon! + 360 : lon!, lat!]);
};
for (const f of countries.features) {
  const g = f.geometry as { type: string; coordinates: Ring[] | Ring[][] };
  if (g.type === 'Polygon') g.coordinates = (g.coordinates as Ring[]).map(mend);
  else if (g.type === 'MultiPolygon') g.coordinates = (g.coordinates as Ring[][]).map((poly) => poly.map(mend));
}
registerMap('world', countries as unknown as Parameters<typeof registerMap>[1]);

export { init };
