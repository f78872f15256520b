/** Interop with NVIDIA's mig-parted: read its config files into migbench layouts, write layouts as its configs. */
export { MigPartedConfig, MigPartedEntry, MigPartedError, parseMigParted } from "./schema.js";
export {
  entriesFromMigDevices,
  layoutFromMigParted,
  migDevicesOf,
  renderMigParted,
  roundTrips,
  selectMigPartedEntry,
  type ExportedGpuInstance,
} from "./convert.js";
