import {
  Alert,
  Button,
  Checkbox,
  JsonInput,
  NumberInput,
  Paper,
  Select,
  Stack,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { callApi, clientFor, describeError } from '../session.js';

/** The part of JSON Schema the form reads (what `z.toJSONSchema` writes for task inputs). */
interface FieldSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly default?: unknown;
}

interface InputSchema {
  readonly properties?: Readonly<Record<string, FieldSchema>>;
  readonly required?: readonly string[];
}

interface CatalogEntry {
  readonly type: string;
  readonly inputSchema: InputSchema;
}

/** A field's value as its control holds it: JSON and strings as text, numbers, booleans. */
type FieldValue = string | number | boolean | undefined;

type FieldKind = 'enum' | 'line' | 'text' | 'number' | 'boolean' | 'json';

/** Short strings (ids, names) get one line; anything else a text area. */
const ONE_LINE_FIELDS = new Set(['model', 'type', 'name', 'id']);

function kindOf(name: string, field: FieldSchema): FieldKind {
  if (field.enum !== undefined && field.enum.every((value) => typeof value === 'string')) {
    return 'enum';
  }
  switch (field.type) {
    case 'string':
      return ONE_LINE_FIELDS.has(name) || (field.maxLength ?? Infinity) <= 200 ? 'line' : 'text';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/** What the controls hold at first: the schema's defaults (JSON ones as text). */
function initialValues(schema: InputSchema): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (field.default === undefined) continue;
    values[name] =
      kindOf(name, field) === 'json'
        ? JSON.stringify(field.default, null, 2)
        : (field.default as FieldValue);
  }
  return values;
}

/**
 * The task's `input` from the controls: empty optional fields are left out (the schema's defaults
 * apply), JSON fields are parsed.
 * @throws Error naming the field whose JSON does not parse
 */
function inputOf(schema: InputSchema, values: Record<string, FieldValue>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    if (kindOf(name, field) === 'json' && typeof value === 'string') {
      try {
        input[name] = JSON.parse(value) as unknown;
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    } else {
      input[name] = value;
    }
  }
  return input;
}

function Field({
  name,
  field,
  required,
  value,
  onChange,
}: {
  name: string;
  field: FieldSchema;
  required: boolean;
  value: FieldValue;
  onChange: (value: FieldValue) => void;
}) {
  const common = { label: name, description: field.description, required };
  switch (kindOf(name, field)) {
    case 'enum':
      return (
        <Select
          {...common}
          data={(field.enum ?? []).map(String)}
          value={typeof value === 'string' ? value : null}
          onChange={(selected) => onChange(selected ?? undefined)}
          clearable={!required}
        />
      );
    case 'line':
      return (
        <TextInput
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.currentTarget.value)}
        />
      );
    case 'text':
      return (
        <Textarea
          {...common}
          autosize
          minRows={3}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.currentTarget.value)}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          {...(field.minimum === undefined ? {} : { min: field.minimum })}
          {...(field.maximum === undefined ? {} : { max: field.maximum })}
          allowDecimal={field.type !== 'integer'}
          value={typeof value === 'number' ? value : ''}
          onChange={(next) => onChange(typeof next === 'number' ? next : undefined)}
        />
      );
    case 'boolean':
      return (
        <Checkbox
          label={name}
          description={field.description}
          checked={value === true}
          onChange={(event) => onChange(event.currentTarget.checked)}
        />
      );
    case 'json':
      return (
        <JsonInput
          {...common}
          label={`${name} (JSON)`}
          autosize
          minRows={3}
          validationError="Not valid JSON"
          value={typeof value === 'string' ? value : ''}
          onChange={(next) => onChange(next)}
        />
      );
  }
}

/**
 * "New background task": a type from `GET /api/tasks/catalog` and a control per field of its
 * input's JSON Schema; submits with `POST /api/ai/background-task`.
 */
export function BackgroundTaskForm({
  apiKey,
  onSubmitted,
}: {
  apiKey: string;
  onSubmitted: (taskId: string) => void;
}) {
  const [catalog, setCatalog] = useState<readonly CatalogEntry[]>([]);
  const [type, setType] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, FieldValue>>({});
  const [failure, setFailure] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    callApi<{ types: CatalogEntry[] }>(apiKey, '/api/tasks/catalog')
      .then((response) => setCatalog(response.types))
      .catch((error: unknown) => setFailure(describeError(error)));
  }, [apiKey]);

  const entry = catalog.find((candidate) => candidate.type === type);
  const required = new Set(entry?.inputSchema.required ?? []);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (entry === undefined) return;
    setSubmitting(true);
    try {
      const input = inputOf(entry.inputSchema, values);
      const accepted = await clientFor(apiKey).submitBackgroundTask({ type: entry.type, input });
      setFailure(undefined);
      onSubmitted(accepted.taskId);
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-label="New background task">
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={2} size="h3">
            New background task
          </Title>
          <Select
            label="Task type"
            placeholder="Pick a type"
            data={catalog.map((candidate) => candidate.type)}
            value={type}
            onChange={(next) => {
              setType(next);
              const chosen = catalog.find((candidate) => candidate.type === next);
              setValues(chosen === undefined ? {} : initialValues(chosen.inputSchema));
            }}
          />
          {Object.entries(entry?.inputSchema.properties ?? {}).map(([name, field]) => (
            <Field
              key={`${type ?? ''}:${name}`}
              name={name}
              field={field}
              required={required.has(name)}
              value={values[name]}
              onChange={(value) => setValues((current) => ({ ...current, [name]: value }))}
            />
          ))}
          {failure === undefined ? null : (
            <Alert color="red.9" role="alert">
              {failure}
            </Alert>
          )}
          <Button type="submit" disabled={entry === undefined} loading={submitting} w="fit-content">
            Submit task
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
