import type { ChartLoader } from '../../platform/ui/Chart';

/** The sourcing chart types (geo map, radar, lines) with the bundled world outline, loaded with the first sourcing chart. */
export const loadSourcingCharts: ChartLoader = () => import('./charts');
