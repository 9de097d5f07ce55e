"""Write every JSON example of the spec, with the schema it must decode as, to a JSON file.

Usage: extract_examples.py SPEC OUT

Walks each operation's requestBody and responses, follows `$ref`s to components (responses,
requestBodies, examples), and takes the schema name from the media type's schema `$ref`.
Output: a list of {"at": where the example is, "schema": schema name, "value": example}.
Fails when an example sits beside a schema that is not a `$ref` to a named schema, since
the harnesses decode with the generated model of a named schema; a named array of a named
schema gives one example per element.
"""
import json
import sys

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Loader(yaml.SafeLoader):
    """YAML 1.1's implicit timestamps off: an unquoted `2021-08-18T07:50:12Z` stays the string
    that YAML 1.2 readers (the generators, Redocly, Spectral) see, not a Python datetime."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def main(spec_path, out_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.load(f, Loader=Loader)

    def resolve(node):
        # Local refs only (`#/components/...`); the spec is one file.
        while isinstance(node, dict) and "$ref" in node:
            target = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    found = []

    def media_examples(at, body):
        media = resolve(body).get("content", {}).get("application/json")
        if media is None:
            return
        examples = dict(media.get("examples", {}))
        if "example" in media:
            examples["example"] = {"value": media["example"]}
        if not examples:
            return
        ref = media.get("schema", {}).get("$ref", "")
        if not ref.startswith("#/components/schemas/"):
            sys.exit(f"{at}: the examples' schema is not a $ref to a named schema")
        schema = ref.rsplit("/", 1)[1]
        # A named array of a named schema (InventoryItems) is no model of its own in the
        # generators: each of its elements is checked as the item's schema.
        named = resolve({"$ref": ref})
        item_ref = named.get("items", {}).get("$ref", "") if named.get("type") == "array" else ""
        for name, example in examples.items():
            example = resolve(example)
            if "value" not in example:
                sys.exit(f"{at} example {name}: no `value` (externalValue is not read)")
            if item_ref:
                for i, element in enumerate(example["value"]):
                    found.append({"at": f"{at} example {name}[{i}]",
                                  "schema": item_ref.rsplit("/", 1)[1], "value": element})
            else:
                found.append({"at": f"{at} example {name}", "schema": schema,
                              "value": example["value"]})

    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            if "requestBody" in op:
                media_examples(f"{where} request", op["requestBody"])
            for status, response in op.get("responses", {}).items():
                media_examples(f"{where} {status}", response)

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(found, f, indent=1)
    print(f"{len(found)} examples written to {out_path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
