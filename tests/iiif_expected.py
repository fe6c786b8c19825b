"""What each manifest in tests/fixtures/iiif/ gives when imported, as its SOURCES.md lists it."""
import json
import os

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "iiif")

# file, canvases, images, expected set name
IMPORTED = [
    ("v2-fixture01-minimal.json", 1, 1, "Test 1 Manifest: Minimum Required Fields"),
    ("v2-fixture36-specific-resource.json", 1, 1, "Test 36 Manifest: Partial Image as Main Image with IIIF Service"),
    ("v2-fixture62-label-languages.json", 1, 1, "62: some title"),
    ("v2-harvard-art-299843.json", 6, 6, "Self-Portrait Dedicated to Paul Gauguin"),
    ("v2-florus-empty-canvases.json", 322, 238, "Codex Florus dispersus"),
    ("v2-dlcs-body-choice.json", 19, 19, "Codex Xolotl"),
    ("v3-cookbook-0001-no-service.json", 1, 1, "Single Image Example"),
    ("v3-cookbook-0006-text-language.json", 1, 1, "Whistler's Mother"),
    ("v3-cookbook-0033-choice.json", 1, 1, "John Dee performing an experiment before Queen Elizabeth I."),
    ("v3-cookbook-0283-missing-image.json", 4, 3, "Ethiopic Ms 10"),
    ("v3-wellcome-imageservice2.json", 10, 10, "[Report 1960] / Medical Officer of Health, Llanwrtyd Wells U.D.C."),
]
# file, reason code (not a manifest, or a manifest without an importable image)
REJECTED = [
    ("v2-fixture27-no-image.json", "no_images"),
    ("v2-fixtures-collection.json", "not_a_manifest"),
    ("v3-cookbook-0032-collection.json", "not_a_manifest"),
]


def fixture_names():
    return {name for name in os.listdir(FIXTURES) if name.endswith(".json")}


def load(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)
