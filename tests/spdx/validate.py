#!/usr/bin/env python3
"""Validates an SPDX 2.3 JSON document against tests/spdx/spdx-2.3.schema.json
and checks what JSON Schema cannot: SPDXIDs are unique, every relationship
names an element of the document, and every LicenseRef used in a license
expression is declared in hasExtractedLicensingInfos (SPDX 2.3 §10)."""
import json
import re
import sys

import jsonschema

schema_path = __file__.rsplit("/", 1)[0] + "/spdx-2.3.schema.json"
schema = json.load(open(schema_path))
doc = json.load(open(sys.argv[1]))
jsonschema.Draft201909Validator.check_schema(schema)
errors = sorted(jsonschema.Draft201909Validator(schema).iter_errors(doc), key=str)
for e in errors[:20]:
    print("schema:", "/".join(map(str, e.absolute_path)), e.message)
ids = [p["SPDXID"] for p in doc.get("packages", [])] + ["SPDXRef-DOCUMENT"]
problems = len(errors)
if len(ids) != len(set(ids)):
    print("duplicate SPDXIDs")
    problems += 1
for r in doc.get("relationships", []):
    for k in ("spdxElementId", "relatedSpdxElement"):
        if r[k] not in ids:
            print("relationship names unknown element", r[k])
            problems += 1
declared = {x["licenseId"] for x in doc.get("hasExtractedLicensingInfos", [])}
for p in doc.get("packages", []):
    for k in ("licenseDeclared", "licenseConcluded"):
        for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", p.get(k, "")):
            if ref not in declared:
                print(p["SPDXID"], "uses undeclared", ref)
                problems += 1
print("valid" if not problems else f"{problems} problems")
sys.exit(1 if problems else 0)
