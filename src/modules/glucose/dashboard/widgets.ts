/**
 * The dashboard widget catalog (§4.4) as a registry: each widget is one `registerWidget` entry. A capability that
 * brings a widget (medications, meals, predictions…) registers it from its own file, imported once by
 * `dashboard/catalog.ts`; layouts, validation and `GET /widgets` read the registry only.
 */

export type WidgetSize = 'compact' | 'normal' | 'expanded';
export type WidgetRole = 'patient' | 'caregiver' | 'clinician' | 'admin';

export interface WidgetDefinition {
  widgetId: string;
  title: string;
  description: string;
  roles: readonly WidgetRole[];
  defaultSize: WidgetSize;
  allowedSizes: readonly WidgetSize[];
  refreshIntervalSec: number;
  hideable: boolean;
}

/** Cells a size takes on the 4-column grid. */
export const SIZE_CELLS: Record<WidgetSize, { width: number; height: number }> = {
  compact: { width: 1, height: 1 }, normal: { width: 2, height: 1 }, expanded: { width: 4, height: 2 },
};

export const ALL_ROLES: readonly WidgetRole[] = ['patient', 'caregiver', 'clinician', 'admin'];

const registry = new Map<string, WidgetDefinition>();

export function registerWidget(definition: WidgetDefinition): void {
  if (!/^[a-z][a-z0-9_]{1,39}$/.test(definition.widgetId)) throw new Error(`widget id ${definition.widgetId} must be snake_case`);
  if (registry.has(definition.widgetId)) throw new Error(`widget ${definition.widgetId} is registered twice`);
  if (!definition.allowedSizes.includes(definition.defaultSize)) throw new Error(`widget ${definition.widgetId}: default size not allowed`);
  registry.set(definition.widgetId, Object.freeze({ ...definition }));
}

export const findWidget = (widgetId: string): WidgetDefinition | undefined => registry.get(widgetId);

/** The catalog in registration order; with roles, only the widgets one of them may use. */
export function widgetCatalog(roles?: readonly string[]): WidgetDefinition[] {
  const all = [...registry.values()];
  return roles ? all.filter((w) => w.roles.some((r) => roles.includes(r))) : all;
}
