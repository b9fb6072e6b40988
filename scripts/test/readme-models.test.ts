import { readFile } from 'node:fs/promises';
import { createModelRegistry, fixedClock } from '@aiq/providers';
import { builtInTaskCatalog } from '@aiq/tasks';
import { describe, expect, it } from 'vitest';

const readme = new URL('../../README.md', import.meta.url);

describe('the README', () => {
  it('should show only models that have no end of life in its examples', async () => {
    const text = await readFile(readme, 'utf8');
    // Every model a user would copy: JSON fields and `--model` flags in the code blocks.
    const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    const named = new Set(
      blocks.flatMap((block) =>
        [...block.matchAll(/"model":\s*"([^"]+)"|--model\s+([\w.-]+)/g)].map(
          (match) => match[1] ?? match[2] ?? '',
        ),
      ),
    );
    expect(named.size).toBeGreaterThan(0);
    // The clock does not matter: a model with an end-of-life date retires some day.
    const registry = createModelRegistry({ clock: fixedClock('2026-01-01T00:00:00Z') });
    // A background task's `done` names its task type where no single model answered (an ensemble).
    const models = [...named].filter((name) => !Object.hasOwn(builtInTaskCatalog, name));
    const dated = models.filter((id) => registry.resolve(id).endOfLifeAt !== undefined);
    expect(dated).toEqual([]);
  });
});
