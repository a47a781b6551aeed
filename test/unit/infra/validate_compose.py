"""Validate compose files against the Compose Specification JSON Schema.

The schema ships inside PyPI's docker-compose 1.29.2 wheel (compose/config/compose_spec.json),
which scripts/setup.sh downloads (no install: only the schema is read). No Docker engine is
needed. Usage: validate_compose.py WHEEL FILE...; prints one line per error with its path,
exits 1 if any file is invalid.
"""
import json
import sys
import zipfile

import jsonschema
import yaml


def main() -> int:
    wheel, files = sys.argv[1], sys.argv[2:]
    with zipfile.ZipFile(wheel) as z:
        schema = json.loads(z.read("compose/config/compose_spec.json"))
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for f in files:
        with open(f, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
            print(f"{f}: {where}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
