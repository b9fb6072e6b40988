import { expect } from 'vitest';

interface TaskBody {
  readonly status: string;
  readonly result: { readonly model?: string } | null;
}

/**
 * Submits a non-streamed generation of `model` to the API at `api` and polls the task until it
 * completes: which model answered it, and how long that took from the submission.
 */
export async function answeredBy(
  api: string,
  headers: Record<string, string>,
  { model, prompt }: { model: string; prompt: string },
): Promise<{ model: string | undefined; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(`${api}/api/ai/generate`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt, stream: false }),
  });
  expect(response.status).toBe(202);
  const { taskId } = (await response.json()) as { taskId: string };
  for (;;) {
    const task = (await (
      await fetch(`${api}/api/tasks/${taskId}`, { headers })
    ).json()) as TaskBody;
    if (task.status === 'completed') {
      return { model: task.result?.model, ms: performance.now() - startedAt };
    }
    expect(['pending', 'processing']).toContain(task.status);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
