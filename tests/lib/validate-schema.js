#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// validate-schema.js — validate JSON documents against a JSON Schema with ajv.
//
//   node tests/lib/validate-schema.js SCHEMA DOC [DOC...]
//
// Exit status: 0 every document is valid; 1 at least one is invalid (errors printed, one
// per line, "DOC: /instance/path message"); 2 usage error or unreadable document;
// 77 (the test suite's "skip") when ajv / ajv-formats are not installed or SCHEMA does not
// exist.
//
// The dialect follows the schema's "$schema": draft-07 (CycloneDX 1.6, SPDX 2.3, ours),
// draft-04 (SARIF 2.1.0) or 2020-12 / 2019-09. Schemas that SCHEMA "$ref"s by file name (bom-1.6.schema.json
// refers to spdx.schema.json and jsf-0.82.schema.json) are loaded from SCHEMA's directory
// and registered under their own "$id" and their file name. strict mode is off (the
// official schemas use keywords ajv's strict mode rejects); formats come from
// ajv-formats, plus "iri", "iri-reference" and "idn-email" that it lacks.
'use strict';

const fs = require('fs');
const path = require('path');

const SKIP = 77;
const nodeModules = path.join(__dirname, '..', 'node', 'node_modules');

function load(name) {
	try {
		return require(path.join(nodeModules, name));
	} catch (e) {
		try {
			return require(name);
		} catch (e2) {
			return null;
		}
	}
}

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function collectRefs(node, out) {
	if (Array.isArray(node)) {
		node.forEach((n) => collectRefs(n, out));
	} else if (node && typeof node === 'object') {
		for (const [k, v] of Object.entries(node)) {
			if (k === '$ref' && typeof v === 'string' && !v.startsWith('#'))
				out.add(v.split('#')[0]);
			else
				collectRefs(v, out);
		}
	}
	return out;
}

function main(argv) {
	if (argv.length < 2) {
		process.stderr.write('usage: validate-schema.js SCHEMA DOC [DOC...]\n');
		return 2;
	}
	const [schemaPath, ...docs] = argv;
	if (!fs.existsSync(schemaPath)) {
		process.stderr.write(`schema '${schemaPath}' not found, skipping\n`);
		return SKIP;
	}
	const addFormats = load('ajv-formats');
	const schema = readJson(schemaPath);
	const dialect = String(schema.$schema || '');
	let Ajv;
	if (dialect.includes('2020-12'))
		Ajv = load('ajv/dist/2020');
	else if (dialect.includes('2019-09'))
		Ajv = load('ajv/dist/2019');
	else if (dialect.includes('draft-04'))
		Ajv = load('ajv-draft-04'); /* SARIF 2.1.0 */
	else
		Ajv = load('ajv');
	if (!Ajv || !addFormats) {
		process.stderr.write('ajv or ajv-formats not installed (scripts/deps.sh), skipping\n');
		return SKIP;
	}
	Ajv = Ajv.default || Ajv;
	const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
	(addFormats.default || addFormats)(ajv);
	const noSpace = (s) => !/[\s<>"{}|\\^`]/.test(s);
	ajv.addFormat('iri', (s) => noSpace(s) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s));
	ajv.addFormat('iri-reference', noSpace);
	ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);

	const dir = path.dirname(schemaPath);
	for (const ref of collectRefs(schema, new Set())) {
		const file = path.join(dir, path.basename(ref));
		if (!fs.existsSync(file))
			continue;
		const sub = readJson(file);
		const key = sub.$id || path.basename(ref);
		if (!ajv.getSchema(key))
			ajv.addSchema(sub, key);
		if (key !== path.basename(ref) && !ajv.getSchema(path.basename(ref)))
			ajv.addSchema(Object.assign({}, sub, { $id: path.basename(ref) }));
	}
	const validate = ajv.compile(schema);

	let status = 0;
	for (const doc of docs) {
		let data;
		try {
			data = readJson(doc);
		} catch (e) {
			process.stderr.write(`${doc}: cannot read: ${e.message}\n`);
			return 2;
		}
		if (validate(data)) {
			process.stdout.write(`${doc}: valid\n`);
			continue;
		}
		status = 1;
		for (const err of validate.errors)
			process.stdout.write(`${doc}: ${err.instancePath || '/'} ${err.message}` +
				` (${err.schemaPath})\n`);
	}
	return status;
}

try {
	process.exitCode = main(process.argv.slice(2));
} catch (e) {
	process.stderr.write(`validate-schema.js: ${e.stack || e}\n`);
	process.exitCode = 2;
}
