"""apply-imagemaps: Tilt's ImageMaps applied to Kubernetes manifests, every other byte kept.

The data's way through the package, each arrow named for the module that does it:

    stdin, --imagemaps FILE, CONFIG_FILE
      |  cli ............. the command line [LEAD: boundary's read path module]
      v
    bytes, config files  -- pipeline.run: one orchestration for both modes ----------------
      |  documents ....... bytes -> text -> documents split at `---`, composed on demand
      |  krm.read ........ one ResourceList document: KRM mode (krm.Krm, resourcelist);
      |                    anything else: stream mode (stream.Stream)
      v
    documents or items
      |  sources ......... ImageMaps from the functionConfig, the files, the items or
      |                    documents (imagemap, schema: each config validated and loaded);
      |                    options: each source's Settings -> the run's Options
      v
    ImageMaps and Options
      |  rewrite ......... each object, named by objects, into injection:
      |                    [LEAD: objects' inject -> match -> locate -> edits / setters,
      |                    over nodes, merges, anchors]
      |  stream .......... the prefilter; a long stream in chunks (parallel), put back in order
      |  generators ...... the manifests a config names, rewritten the same way
      v
    edits and results (results)
      |  sources ......... the ImageMaps that matched nothing
      |  krm / stream .... write: the ResourceList with its results, always (resourcelist);
      |                    the stream without its ImageMaps, or nothing on an error
      v
    stdout bytes, results
      |  cli ............. [LEAD: boundary's sink module] stdout, stderr, the exit status
      v
    stdout, stderr, exit status

The modules, each importing only from those after it:

- [LEAD: the boundary helper's entry modules, one line each: cli, sink, read path]
- `pipeline`: `run()`, the run's `Output`, the `ConfigFile`s it is given.
- `krm`: KRM mode, the ResourceList read, its items rewritten, written back with results.
- `stream`: stream mode, which documents are config, the prefilter, chunks put back in order.
- `resourcelist`: a ResourceList's parts in; its text with edits, new items, results out.
- `generators`: generator mode, the manifests a config names, each with its own results.
- `sources`: ImageMaps gathered from every source, disableSource, the unused ones.
- `rewrite`: an object's edits and a document's new text; the one call into injection.
- [LEAD: the objects helper's modules, one line each: inject, match, locate, edits,
  setters]
- `imagemap`: config objects, validated, to ImageMap values and each config's settings.
- `options`: what each config sets (`Settings`) and the run's `Options` they make.
- [LEAD: the boundary helper's modules, one line each: parallel, locators, jsonpath]
- `schema`: a config checked against its JSON Schema in `schemas/`, every problem listed.
- `documents`: bytes to text to documents, positions kept, errors naming where.
- `objects`: what names an object (`ResourceRef`) and where it came from (`FileRef`).
- [LEAD: the objects helper's node-level modules, one line each: nodes, merges, anchors]
- `results`: a result's KRM entry and stderr line, and the exit status.
- `reference`: distribution/reference's image grammar and normalization.
"""
