import { Type, type TSchema } from 'typebox';
import { Page, PageQuery } from '../../../platform/http/pagination.js';

export const Id = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Id });
export const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' });
export const DateOnly = Type.String({ format: 'date' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** Records are described field by field in docs/sourcing.md; responses pass every field through. */
export const Record_ = Type.Object({ id: Type.String() }, { additionalProperties: true });
export const RecordPage = Page(Record_);
export const Version = Type.Integer({ minimum: 1 });
export { PageQuery };
export const TransportModeSchema = Type.Union(['road', 'road_refrigerated', 'rail', 'sea_container', 'sea_general_cargo', 'sea_bulk',
  'sea_refrigerated', 'air_long_haul', 'air_long_haul_no_rf', 'air_short_haul', 'air_short_haul_no_rf', 'van'].map((m) => Type.Literal(m)));
