export { createMetrics, type Metrics } from './metrics.js';
export { metricsRoutes, parseAllowList, type MetricsAccess } from './routes.js';
