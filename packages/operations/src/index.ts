export { readDailyUsage, type DailyUsage } from './daily-usage.js';
export { readFleetRouting, routingRows, type RoutingRow } from './routing-rows.js';
export {
  assessSeverity,
  type Severity,
  type SeverityInput,
  type SeverityVerdict,
} from './severity.js';
export { readStatusReport, type QueueDepth, type StatusReport } from './status-report.js';
