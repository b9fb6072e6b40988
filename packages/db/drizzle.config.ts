import { defineConfig } from 'drizzle-kit';

// drizzle-kit only reads the schema to generate SQL; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
});
