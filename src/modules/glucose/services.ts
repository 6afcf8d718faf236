import type { ModuleContext } from '../../platform/types.js';
import { PartitionKeeper } from './readings/partitions.js';
import { UploaderKeys } from './nightscout/keys.js';

/** What the module's capabilities share in one app instance: the platform context and the module's own helpers. */
export interface GlucoseServices {
  ctx: ModuleContext;
  partitions: PartitionKeeper;
  uploaderKeys: UploaderKeys;
}

export function createServices(ctx: ModuleContext): GlucoseServices {
  return { ctx, partitions: new PartitionKeeper(ctx.db), uploaderKeys: new UploaderKeys(ctx) };
}
