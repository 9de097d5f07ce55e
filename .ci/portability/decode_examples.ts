// Decode every spec example with the generated TypeScript model of its schema, then encode it back.
// Usage (compiled next to the generated client): node decode_examples.js EXAMPLES_JSON
//
// `<Schema>FromJSON` checks nothing by itself, so an example fails if the model's required
// properties are missing (`instanceOf<Schema>`), if `<Schema>FromJSON` or `<Schema>ToJSON` throws
// (an invalid date-time does, in `toISOString`), or if the round trip does not give back the
// same JSON: a model that drops or rewrites a value would pass a decode-only check.
import { readFileSync } from 'node:fs';
import * as models from './models';

interface Example { at: string; schema: string; value: unknown }

// The generated functions, looked up by the schema's name.
const byName = models as unknown as Record<string, ((json: unknown) => unknown) | undefined>;

// Where two JSON values differ first, or undefined. An absent property is the same as a null
// one, as in the Python and Go harnesses.
function firstDifference(want: unknown, got: unknown, at = '$'): string | undefined {
  if (isObject(want) && isObject(got)) {
    for (const key of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      const diff = firstDifference(want[key] ?? null, got[key] ?? null, `${at}.${key}`);
      if (diff) return diff;
    }
    return undefined;
  }
  if (Array.isArray(want) && Array.isArray(got) && want.length === got.length) {
    for (let i = 0; i < want.length; i++) {
      const diff = firstDifference(want[i], got[i], `${at}[${i}]`);
      if (diff) return diff;
    }
    return undefined;
  }
  return want === got ? undefined : `${at}: ${JSON.stringify(want)} became ${JSON.stringify(got)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const examples: Example[] = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let failed = 0;
for (const example of examples) {
  try {
    const fromJSON = byName[`${example.schema}FromJSON`];
    const toJSON = byName[`${example.schema}ToJSON`];
    if (!fromJSON || !toJSON) throw new Error(`no ${example.schema}FromJSON/ToJSON in the models`);
    const instanceOf = byName[`instanceOf${example.schema}`]; // none for a schema with no properties
    if (instanceOf && isObject(example.value) && !instanceOf(example.value)) {
      throw new Error(`instanceOf${example.schema} is false: a required property is missing`);
    }
    const again = JSON.parse(JSON.stringify(toJSON(fromJSON(example.value))));
    const diff = firstDifference(example.value, again);
    if (diff) throw new Error(`the round trip changed ${diff}`);
  } catch (error) {
    failed++;
    console.log(`FAIL typescript: ${example.at} as ${example.schema}: ${error}`);
  }
}
console.log(`typescript: ${examples.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
