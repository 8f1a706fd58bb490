/** The JSON Schema of the Platform spec, for editors (`meshless schema`). */
import { z } from 'zod';
import { API_VERSION, KIND, PlatformSchema } from './spec.js';

export const SCHEMA_ID = 'https://meshless.dev/schemas/platform-v1alpha1.json';

export function platformJsonSchema(): Record<string, unknown> {
  // io: 'input' — what a person writes: fields with defaults are optional.
  const schema = z.toJSONSchema(PlatformSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: SCHEMA_ID,
    title: `meshless ${KIND} (${API_VERSION})`,
    description: 'The services of a platform and the four controls (authentication, edge TLS, in-cluster encryption, segregation) from which `meshless generate` writes every manifest.',
  };
}
