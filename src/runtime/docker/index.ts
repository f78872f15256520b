/** The docker runtime and what `bench cleanup` needs to find the containers a killed run left. */
export { createDockerRuntime, type DockerRuntimeOptions } from "./runtime.js";
export { LABELS, listLabelledContainers, removeLabelledContainers, removeOrphanedContainers, type LabelledContainer, type RemovalReport } from "./labels.js";
export { connectEngine, type Engine } from "./engine.js";
export { containerConfig, containerEnv, parseSize } from "./container-config.js";
export { ensureImage, PullProgress } from "./image.js";
