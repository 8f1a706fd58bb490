/** `meshless schema`: the JSON Schema of the Platform spec, for editors; or the spec reference as Markdown. */
import { platformJsonSchema } from '../generate/schema.js';
import { specMarkdown } from '../generate/spec-doc.js';
import { EXIT, UsageError, parse, type Io } from './common.js';

export const schemaHelp = `Usage: meshless schema [--markdown]

Prints the JSON Schema of meshless.yaml (apiVersion meshless.dev/v1alpha1,
kind Platform), so that editors complete and validate the spec:

  meshless schema > meshless.schema.json
  # first line of meshless.yaml:
  # yaml-language-server: $schema=./meshless.schema.json

Options:
  --markdown   print the spec reference (docs/spec.md) instead

Exit codes: 0 ok, 2 usage error.`;

export function runSchema(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { markdown: { type: 'boolean' } });
  if (values['help']) {
    io.out(schemaHelp);
    return Promise.resolve(EXIT.ok);
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  io.out(values['markdown'] === true ? specMarkdown() : JSON.stringify(platformJsonSchema(), null, 2));
  return Promise.resolve(EXIT.ok);
}
