import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../../platform/http/errors.js';
import { defaultLayout, validateLayout, type LayoutItem } from './layout.js';
import { registerWidget, widgetCatalog } from './widgets.js';

const w = (widgetId: string, column: number, row: number, size: LayoutItem['size'] = 'normal'): LayoutItem => ({ widgetId, column, row, size, pinned: false });
const refusal = (layout: LayoutItem[], roles: string[] = ['patient']) => {
  try { validateLayout(layout, roles); } catch (err) { assert.ok(err instanceof HttpError); return err; }
  assert.fail('layout accepted');
};

test('the role defaults of §4.4 are valid layouts', () => {
  assert.doesNotThrow(() => validateLayout(defaultLayout(['patient']), ['patient']));
  assert.doesNotThrow(() => validateLayout(defaultLayout(['clinician']), ['clinician']));
  assert.deepEqual(defaultLayout(['caregiver']).map((x) => x.widgetId), ['patients_overview', 'glucose_live', 'alerts']);
});

test('an unknown widget is 400 with the item\'s field path', () => {
  const err = refusal([w('glucose_live', 0, 0), w('weather', 2, 0)]);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'unknown_widget');
  assert.deepEqual(err.errors?.map((e) => e.path), ['layout[1].widgetId']);
});

test('duplicates, a size the widget does not allow and a widget out of the grid are 400', () => {
  assert.equal(refusal([w('glucose_live', 0, 0), w('glucose_live', 2, 0)]).code, 'duplicate_widget');
  const size = refusal([w('glucose_live', 0, 0, 'compact')]);
  assert.equal(size.status, 400);
  assert.equal(size.code, 'size_not_allowed');
  const out = refusal([w('glucose_live', 3, 0)]);
  assert.equal(out.status, 400);
  assert.equal(out.code, 'widget_out_of_grid');
  assert.equal(refusal([w('glucose_live', 0, 40)]).code, 'widget_out_of_grid');
});

test('more than 10 widgets, no live glucose, a widget of another role and an overlap are 422', () => {
  const many = ['glucose_live', 'glucose_chart', 'time_in_range', 'alerts', 'next_medication', 'medication_stock', 'nutrition_today', 'activity_today', 'health_score', 'prediction', 'sensor_status']
    .map((id, i) => w(id, 0, i * 2, id === 'glucose_chart' ? 'normal' : id === 'health_score' || id === 'sensor_status' || id === 'activity_today' || id === 'medication_stock' || id === 'prediction' ? 'compact' : 'normal'));
  const tooMany = refusal(many);
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.code, 'too_many_widgets');
  assert.equal(refusal([w('alerts', 0, 0)]).code, 'required_widget_missing');
  const role = refusal([w('glucose_live', 0, 0), w('next_medication', 2, 0)], ['clinician']);
  assert.equal(role.code, 'widget_not_available_for_role');
  const overlap = refusal([w('glucose_live', 0, 0), w('glucose_chart', 0, 0, 'expanded')]);
  assert.equal(overlap.status, 422);
  assert.equal(overlap.code, 'layout_overlap');
  assert.deepEqual(overlap.extensions, { details: ['glucose_live', 'glucose_chart'] });
});

test('the catalog is a registry: a new widget is one entry, and an id cannot be registered twice', () => {
  registerWidget({ widgetId: 'test_only_widget', title: 'T', description: 'd', roles: ['clinician'], defaultSize: 'compact', allowedSizes: ['compact'], refreshIntervalSec: 60, hideable: true });
  assert.ok(widgetCatalog(['clinician']).some((x) => x.widgetId === 'test_only_widget'));
  assert.ok(!widgetCatalog(['patient']).some((x) => x.widgetId === 'test_only_widget'));
  assert.doesNotThrow(() => validateLayout([w('glucose_live', 0, 0), w('test_only_widget', 2, 0, 'compact')], ['clinician']));
  assert.throws(() => registerWidget({ widgetId: 'glucose_live', title: 'x', description: 'x', roles: ['patient'], defaultSize: 'normal', allowedSizes: ['normal'], refreshIntervalSec: 0, hideable: false }), /twice/);
});
