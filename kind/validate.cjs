#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Validate Kubernetes objects against the API's JSON schemas, offline
// (kubectl cannot validate without a server).  The schemas are those of
// the npm package kubernetes-models, installed by `make deps` from
// kind/package-lock.json into NODE_MODULES_DIR.
//
//   validate.cjs NODE_MODULES_DIR FILE.json...
//
// Each FILE holds a JSON array of objects (render.py's YAML, converted by
// check.py).  Exit 0 when every object validates, 1 with the errors, 77
// when the package is not installed.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [dir, ...files] = process.argv.slice(2);
if (!dir || files.length === 0) {
  console.error("usage: validate.cjs NODE_MODULES_DIR FILE.json...");
  process.exit(2);
}
const req = createRequire(path.join(path.resolve(dir), "noop.js"));
try {
  req.resolve("kubernetes-models/v1/Namespace");
} catch (e) {
  console.log(`kubernetes-models not installed in ${dir} (make deps)`);
  process.exit(77);
}

// apiVersion "apps/v1" + kind "DaemonSet" -> kubernetes-models/apps/v1/DaemonSet
function model(obj) {
  const mod = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  return req(mod)[obj.kind];
}

let bad = 0;
for (const file of files) {
  for (const obj of JSON.parse(fs.readFileSync(file, "utf8"))) {
    const what = `${file}: ${obj.kind}/${obj.metadata && obj.metadata.name}`;
    let M;
    try {
      M = model(obj);
    } catch (e) {
      console.log(`${what}: no schema for ${obj.apiVersion} ${obj.kind}`);
      bad++;
      continue;
    }
    try {
      new M(obj).validate();
    } catch (e) {
      console.log(`${what}: ${e.message}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
