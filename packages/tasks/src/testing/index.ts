export {
  jobsOf,
  seedFailedJobs,
  seedFailedRows,
  type FailedRowsOptions,
  type FailedTaskGround,
} from './seed-failed-tasks.js';
