"""The fuzz target's config (tests/fuzz/fuzz_pipeline.py), one that exercises every kind of
edit; its findings in tests/test_hostile.py run with it too."""

from __future__ import annotations

from krm_fn.pipeline import ConfigFile

MAPS = [
    ConfigFile(
        "maps.yaml",
        b"""apiVersion: fn.apply-imagemaps.dev/v1alpha1
kind: ApplyImageMaps
anyImageKey: true
imageLocators:
- {objectSelector: {kindRegexp: "^Cache$"}, path: "{.spec.*}",
   object: {repoField: repository, tagField: tag}}
imageMaps:
- metadata: {name: app}
  spec:
    selector: example.com/app
    matchInEnvVars: true
    overrideArgs: {args: ["--dev", "yes"]}
  status: {image: "localhost:5000/example.com_app:tilt-1"}
- metadata: {name: nginx}
  spec: {selector: nginx, overrideCommand: {command: []}}
  status: {image: "nginx:tilt-2"}
""",
    )
]
