import { HttpError, type FieldError } from '../../../platform/http/errors.js';
import { SIZE_CELLS, findWidget, type WidgetSize } from './widgets.js';
import './catalog.js';

export interface LayoutItem { widgetId: string; column: number; row: number; size: WidgetSize; pinned: boolean }

export const GRID_COLUMNS = 4;
export const GRID_ROWS = 40;
export const MAX_WIDGETS = 10;
export const REQUIRED_WIDGET = 'glucose_live';

const item = (widgetId: string, column: number, row: number, size: WidgetSize): LayoutItem => ({ widgetId, column, row, size, pinned: false });

/** The layout of a user without a stored one (§4.4), by role. */
export function defaultLayout(roles: readonly string[]): LayoutItem[] {
  if (roles.includes('patient')) {
    return [item('glucose_live', 0, 0, 'normal'), item('alerts', 2, 0, 'normal'), item('glucose_chart', 0, 1, 'expanded'), item('time_in_range', 0, 3, 'normal'), item('next_medication', 2, 3, 'normal')];
  }
  return [item('patients_overview', 0, 0, 'expanded'), item('glucose_live', 0, 2, 'normal'), item('alerts', 2, 2, 'normal')];
}

/**
 * §4.4 layout validation, in the order of the spec: field problems (400: unknown widget, duplicate, size, out
 * of grid) for every item first, then business rules (422: too many, required widget missing, widget not for
 * the role, overlap). Throws the first refusal class that applies.
 */
export function validateLayout(layout: LayoutItem[], roles: readonly string[]): void {
  const errors: (FieldError & { code: string })[] = [];
  const seen = new Set<string>();
  layout.forEach((w, i) => {
    const def = findWidget(w.widgetId);
    if (!def) { errors.push({ path: `layout[${i}].widgetId`, code: 'unknown_widget', message: `${w.widgetId} is not in the widget catalog` }); return; }
    if (seen.has(w.widgetId)) errors.push({ path: `layout[${i}].widgetId`, code: 'duplicate_widget', message: `${w.widgetId} appears more than once` });
    seen.add(w.widgetId);
    if (!def.allowedSizes.includes(w.size)) errors.push({ path: `layout[${i}].size`, code: 'size_not_allowed', message: `${w.widgetId} can be ${def.allowedSizes.join(' or ')}` });
    const cells = SIZE_CELLS[w.size];
    if (w.column < 0 || w.column >= GRID_COLUMNS || w.column + cells.width > GRID_COLUMNS) errors.push({ path: `layout[${i}].column`, code: 'widget_out_of_grid', message: `a ${w.size} widget must fit in the ${GRID_COLUMNS} columns` });
    if (w.row < 0 || w.row >= GRID_ROWS || w.row + cells.height > GRID_ROWS) errors.push({ path: `layout[${i}].row`, code: 'widget_out_of_grid', message: `rows are 0 to ${GRID_ROWS - 1}` });
  });
  if (errors.length) {
    const code = errors.find((e) => e.code === 'duplicate_widget') ? 'duplicate_widget' : errors.find((e) => e.code === 'widget_out_of_grid') ? 'widget_out_of_grid' : errors[0].code === 'unknown_widget' ? 'unknown_widget' : errors[0].code;
    throw new HttpError(400, code, 'The layout has invalid widgets; see errors.', errors.map(({ path, message }) => ({ path, message })), undefined, { codes: errors.map((e) => e.code) });
  }
  if (layout.length > MAX_WIDGETS) throw new HttpError(422, 'too_many_widgets', `A dashboard holds at most ${MAX_WIDGETS} widgets.`, undefined, undefined, { max: MAX_WIDGETS });
  if (!seen.has(REQUIRED_WIDGET)) throw new HttpError(422, 'required_widget_missing', 'The live glucose widget cannot be hidden.', undefined, undefined, { widgetId: REQUIRED_WIDGET });
  for (const w of layout) {
    const def = findWidget(w.widgetId)!;
    if (!def.roles.some((r) => roles.includes(r))) {
      throw new HttpError(422, 'widget_not_available_for_role', `${def.title} is available to ${def.roles.join(', ')} only.`, undefined, undefined, { widgetId: w.widgetId });
    }
  }
  const owner = new Map<string, string>();
  for (const w of layout) {
    const { width, height } = SIZE_CELLS[w.size];
    for (let c = w.column; c < w.column + width; c++) {
      for (let r = w.row; r < w.row + height; r++) {
        const other = owner.get(`${c}:${r}`);
        if (other) throw new HttpError(422, 'layout_overlap', `${other} and ${w.widgetId} share a cell (column ${c}, row ${r}).`, undefined, undefined, { details: [other, w.widgetId] });
        owner.set(`${c}:${r}`, w.widgetId);
      }
    }
  }
}
