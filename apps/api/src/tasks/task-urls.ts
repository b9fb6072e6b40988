/** Where a task is polled. */
export function taskStatusUrl(taskId: string): string {
  return `/api/tasks/${taskId}`;
}

/** Where a task's events are streamed. */
export function taskEventsUrl(taskId: string): string {
  return `/api/tasks/${taskId}/events`;
}
