"""Decode every spec example with the generated Python model of its schema, then encode it back.

Usage: decode_examples.py EXAMPLES_JSON PACKAGE   (PACKAGE, the generated package, importable)

An example fails if `<Schema>.from_json` refuses it (pydantic checks types, formats and
bounds), or if encoding the model again does not give back the same JSON: a model that drops
or rewrites a value would pass a decode-only check.
"""
import importlib
import json
import sys


def first_difference(want, got, at="$"):
    """Where two JSON values differ first, or None. 1 and 1.0 are the same JSON number, and an
    absent property is the same as a null one (the generated model writes `null` for a nullable
    property it was not given; the service reads both alike)."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(want.keys() | got.keys()):
            diff = first_difference(want.get(key), got.get(key), f"{at}.{key}")
            if diff:
                return diff
        return None
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got)):
            diff = first_difference(w, g, f"{at}[{i}]")
            if diff:
                return diff
        return None
    same = want == got and isinstance(want, bool) == isinstance(got, bool)
    return None if same else f"{at}: {json.dumps(want)} became {json.dumps(got)}"


def main(examples_path, package):
    models = importlib.import_module(f"{package}.models")
    with open(examples_path, encoding="utf-8") as f:
        examples = json.load(f)
    failed = 0
    for example in examples:
        try:
            model = getattr(models, example["schema"])
            decoded = model.from_json(json.dumps(example["value"]))
            diff = first_difference(example["value"], json.loads(decoded.to_json()))
            if diff:
                raise ValueError(f"the round trip changed {diff}")
        except Exception as error:  # any failure is the example's, reported with its place
            failed += 1
            message = " ".join(str(error).split())  # pydantic's messages span lines
            print(f"FAIL python: {example['at']} as {example['schema']}: "
                  f"{type(error).__name__}: {message}")
    print(f"python: {len(examples) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
