export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  flushErrorReports,
  initErrorReporting,
  reportError,
  type ErrorReportingOptions,
} from './error-reporting.js';
