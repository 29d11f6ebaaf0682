"""apply-imagemaps: Tilt's ImageMaps applied to Kubernetes manifests, every other byte kept.

The data's way through the package, each arrow named for the module that does it:

    stdin, --imagemaps FILE, CONFIG_FILE (or, with --tilt, what Tilt hands: tilt)
      |  cli ............. the command line (arguments), read by inputs: stdin and every
      |                    file named, each read once, never past the input limit;
      |                    PyYAML imported by lazy_yaml, its patterns compiled on first use
      v
    bytes, config files  -- pipeline.run: one orchestration for both modes ----------------
      |  documents ....... bytes -> text -> documents split at `---`, composed on demand
      |                    (nodes; objects: what names each one)
      |  krm.read ........ one ResourceList document: KRM mode (krm.Krm, resourcelist);
      |                    anything else: stream mode (stream.Stream)
      v
    documents or items
      |  sources ......... ImageMaps from the functionConfig, the files, the items or
      |                    documents: each config loaded by its shape (config_shapes,
      |                    shorthand, shell_words, config), checked (schema, reference,
      |                    reference_grammar), as values (imagemap);
      |                    options: each source's Settings -> the run's Options
      v
    ImageMaps and Options
      |  rewrite ......... each object, named by objects, into injection (inject):
      |                    locate (podspecs; locator_fields, by locators, jsonpath and
      |                    jsonpath_steps; fields: the records) -> plan (mapindex) ->
      |                    write (setters, render, edits) -> report; over nodes, merges,
      |                    shared_anchors
      |  stream .......... the documents to compose (prefilter); a long stream in chunks
      |                    (parallel), put back in order
      |  generators ...... the manifests a config names, rewritten the same way
      v
    edits and results (results)
      |  sources ......... the ImageMaps that matched nothing
      |  krm / stream .... write: the ResourceList with its results, always (resourcelist);
      |                    the stream without its ImageMaps, or nothing on an error
      v
    stdout bytes, results
      |  cli ............. sink: stdout and stderr, all of them or a Failure; echo: a
      |                    failed run's errors to the terminal and the log; the exit status
      v
    stdout, stderr, exit status

The records the steps hand on (`ImageMap`, `Edit`, `Result`, ...) are `records.Record`
classes.

The modules, each importing only from those after it (`tests/test_package.py` reads every
module's import statements and checks that this holds):

- `cli`: the command line, the one place that touches stdin, stdout, stderr, the
  environment and the exit status.
- `tilt`: `--tilt`, the ImageMaps Tilt hands a deploy command, as config files.
- `arguments`: the command line's grammar (`USAGE`, `HELP`) and what it said (`Arguments`).
- `echo`: where a failed run's error lines go besides stderr: the terminal and the log file.
- `sink`: the one write path, stdout's and stderr's bytes, all of them or a `Failure`.
- `inputs`: the one read path, stdin and every file named, never read past the input limit.
- `lazy_yaml`: PyYAML imported with its own regular expressions compiled on first use.
- `pipeline`: `run()`, the run's `Output`, the `ConfigFile`s it is given.
- `krm`: KRM mode, the ResourceList read, its items rewritten, written back with results.
- `stream`: stream mode, which documents are config, chunks put back in order.
- `prefilter`: which stream documents must be composed, read from their text alone.
- `resourcelist`: a ResourceList's parts in; its text with edits, new items, results out.
- `generators`: generator mode, the manifests a config names, each with its own results.
- `rewrite`: an object's edits and a document's new text; the one call into injection.
- `inject`: a run's `Injector`, each object's image fields located, planned, written and
  reported.
- `locate`: where images live in one object: every pod spec at any depth, and the rest.
- `podspecs`: a pod spec's images, env values and image volumes; where each kind keeps it.
- `locator_fields`: the image fields that locators and `anyImageKey` find outside pod specs.
- `write`: a plan written into the text as edits, each with the note that accounts for it.
- `setters`: one key of a mapping set in the text: replaced, inserted or removed.
- `render`: new YAML text for values, and values replaced in place.
- `report`: what injection reports, in words: problems, events, and fields left as they are.
- `plan`: which located field gets which value from which ImageMap, as pure records.
- `mapindex`: a run's ImageMaps indexed by what they can match.
- `sources`: ImageMaps gathered from every source, disableSource, the unused ones.
- `config_shapes`: `load()`, each config shape by apiVersion and kind, to a `Config`.
- `shorthand`: the `v1 ConfigMap` shorthand, one ImageMap and the options as `data` strings.
- `shell_words`: POSIX shell words as `shlex.split` reads them, in linear time.
- `config`: what one config object contributes (`Config`), and one ImageMap object read
  into it.
- `imagemap`: the values: `ImageMap`, what it selects (`Selector`, `TiltName`), `Manifests`.
- `options`: what each config sets (`Settings`) and the run's `Options` they make.
- `locators`: image locators, where images live in custom resources, and the catalog.
- `jsonpath`: JSONPath in Tilt's dialect, a path's text read into steps.
- `jsonpath_steps`: a path's steps run over YAML nodes, each match once, the work bounded.
- `schema`: a config checked against its JSON Schema in `schemas/`, every problem listed.
- `fields`: what locating gives: the containers and image fields of one object, as records.
- `documents`: bytes to text to documents, positions kept, errors naming where.
- `objects`: what names an object (`ResourceRef`) and where it came from (`FileRef`).
- `edits`: spans of a document's text and the text they become, spliced in; positions.
- `merges`: merge keys (`<<: *base`) as the YAML readers that matter apply them.
- `shared_anchors`: anchored values that an alias uses: text no edit may change.
- `nodes`: read-only helpers over PyYAML's composed nodes.
- `results`: a result's KRM entry and stderr line, and the exit status.
- `reference`: image references parsed and normalized as distribution/reference does,
  and their familiar forms.
- `reference_grammar`: distribution/reference's image grammar, as regular expressions.
- `parallel`: a long stream's documents worked on in several processes.
- `records`: `Record`, the base of the package's value classes: equality, hash, repr,
  `replace` and pickling from their fields.
- `_validators`: the JSON Schemas' validators, generated by `make validators`.
"""
