"""app.services.iiif: every manifest in tests/fixtures/iiif/ against SOURCES.md, plus focused cases."""
import copy
import os

import pytest

from app.services.iiif import (IMAGE_KEYS, NoImages, NotAManifest, loads_manifest, parse_accept_language,
                               pick_language, read_manifest, strip_html, synthetic_manifest)
from tests.iiif_expected import FIXTURES, IMPORTED, load
from tests.iiif_expected import REJECTED as EXPECTED_REJECTS

MANIFESTS = IMPORTED
REJECTED = [(name, NoImages if code == "no_images" else NotAManifest) for name, code in EXPECTED_REJECTS]


def test_every_fixture_is_covered():
    files = {name for name in os.listdir(FIXTURES) if name.endswith(".json")}
    assert files == {row[0] for row in MANIFESTS} | {row[0] for row in REJECTED}
    with open(os.path.join(FIXTURES, "SOURCES.md"), encoding="utf-8") as f:
        sources = f.read()
    for name in files:
        assert name in sources


@pytest.mark.parametrize("name,canvases,images,title", MANIFESTS, ids=[row[0] for row in MANIFESTS])
def test_fixture_counts_and_name(name, canvases, images, title):
    result = read_manifest(load(name))
    assert result.name == title
    assert result.canvases == canvases
    assert len(result.images) == images
    assert result.skipped_canvases == canvases - images
    assert result.counts == {"canvases": canvases, "images": images, "skipped_canvases": canvases - images}
    for position, image in enumerate(result.images):
        assert tuple(image) == IMAGE_KEYS
        assert image["weight"] == position
        assert image["name"]
        assert image["kind"] in ("iiif", "image")
        assert image["uri"]
        if image["kind"] == "iiif":
            assert image["api_version"] in ("v1", "v2", "v3")
            assert image["iiif_url"] and not image["iiif_url"].endswith("/")
        else:
            assert image["iiif_url"] is None and image["api_version"] is None
        assert all(set(pair) == {"name", "value"} and isinstance(pair["value"], str)
                   for pair in image["metadata"])


@pytest.mark.parametrize("name,error", REJECTED, ids=[row[0] for row in REJECTED])
def test_fixture_rejected(name, error):
    with pytest.raises(error) as raised:
        read_manifest(load(name))
    assert raised.value.message


def test_collection_messages_say_collection():
    with pytest.raises(NotAManifest, match="Collection"):
        read_manifest(load("v3-cookbook-0032-collection.json"))


def test_v2_minimal_static_image():
    (image,) = read_manifest(load("v2-fixture01-minimal.json")).images
    assert image["kind"] == "image"
    assert image["uri"] == "http://iiif.io/api/presentation/2.1/example/fixtures/resources/page1-full.png"
    assert (image["width"], image["height"]) == (1200, 1800)
    assert image["name"] == "Test 1 Canvas: 1"


def test_v2_specific_resource_imports_full():
    (image,) = read_manifest(load("v2-fixture36-specific-resource.json")).images
    assert image["kind"] == "iiif" and image["api_version"] == "v2"
    assert image["iiif_url"] == "http://iiif.io/api/image/2.1/example/reference/page1-full"
    assert image["mime_type"] == "image/jpeg"
    assert (image["width"], image["height"]) == (1000, 1600)  # the canvas comes first


def test_v2_label_language_array():
    assert read_manifest(load("v2-fixture62-label-languages.json")).name == "62: some title"
    assert read_manifest(load("v2-fixture62-label-languages.json"), languages=("fr",)).name == "62: quelque titre"


def test_harvard_attribution_metadata_and_service():
    result = read_manifest(load("v2-harvard-art-299843.json"))
    assert result.attribution == "Harvard Art Museums"
    assert len(result.metadata) == 8
    assert result.metadata[0] == {"name": "Date", "value": "1888"}
    assert result.metadata[4] == {"name": "People", "value": "Artist: Vincent van Gogh, Dutch, 1853 - 1890"}
    first = result.images[0]
    assert first["iiif_url"] == "https://ids.lib.harvard.edu/ids/iiif/47174896"
    assert first["api_version"] == "v2"


def test_florus_skips_lacunae_and_reads_both_service_styles():
    result = read_manifest(load("v2-florus-empty-canvases.json"))
    versions = {}
    for image in result.images:
        versions.setdefault(image["iiif_url"].split("/")[2], set()).add(image["api_version"])
    # Gallica: 1.1 context and profile; e-codices: a 2 context beside a 1.x profile URI (the context wins)
    assert versions == {"gallica.bnf.fr": {"v1"}, "www.e-codices.unifr.ch": {"v2"}}
    assert [image["weight"] for image in result.images] == list(range(238))
    assert result.attribution.startswith("Reconstruction virtuelle")


def test_dlcs_choice_takes_default_and_profile_version():
    result = read_manifest(load("v2-dlcs-body-choice.json"))
    first = result.images[0]
    assert first["iiif_url"] == "https://dlc.services/iiif-img/22/2/X.010r_VIS"
    assert first["api_version"] == "v2"  # protocol + 2/level1 profile, no @context
    assert not [image for image in result.images if image["iiif_url"].endswith(("_IR", "_UVF", "_UVR"))]


def test_v3_no_service():
    (image,) = read_manifest(load("v3-cookbook-0001-no-service.json")).images
    assert image["kind"] == "image" and image["mime_type"] == "image/png"
    assert image["uri"] == "http://iiif.io/api/presentation/2.1/example/fixtures/resources/page1-full.png"
    assert image["name"] == "Canvas 1"  # the canvas has no label


def test_v3_languages_and_required_statement():
    doc = load("v3-cookbook-0006-text-language.json")
    result = read_manifest(doc)
    assert result.attribution == "Musée d'Orsay, Paris, France"
    assert result.description.startswith("Arrangement in Grey and Black")
    assert result.metadata[0] == {"name": "Creator", "value": "Whistler, James Abbott McNeill"}
    french = read_manifest(doc, languages=("fr-FR", "en"))
    assert french.name == "La Mère de Whistler"
    assert french.metadata[1]["name"] == "Sujet"


def test_v3_choice_first_item():
    (image,) = read_manifest(load("v3-cookbook-0033-choice.json")).images
    assert image["iiif_url"].endswith("-dee-natural")
    assert image["api_version"] == "v3"


def test_v3_missing_image_canvas_skipped():
    result = read_manifest(load("v3-cookbook-0283-missing-image.json"))
    assert [image["name"] for image in result.images] == ["f. 1r", "f. 2r", "f. 2v"]
    assert [image["weight"] for image in result.images] == [0, 1, 2]


def test_wellcome_context_array_service2_and_canvas_size():
    result = read_manifest(load("v3-wellcome-imageservice2.json"))
    first = result.images[0]
    assert first["kind"] == "iiif" and first["api_version"] == "v2"
    assert first["iiif_url"] == "https://dlcs.io/iiif-img/wellcome/6/b28857021_0001.jp2"
    assert (first["width"], first["height"]) == (2670, 4412)  # not the 620x1024 body
    assert result.attribution.startswith("Wellcome Collection; You have permission")
    assert "<" not in result.attribution and "Creative Commons, Attribution license" in result.attribution


# -- focused cases on small hand-made manifests --------------------------------------------------

def v3_manifest(*bodies, canvas_extra=None, **extra):
    items = []
    for number, body in enumerate(bodies, 1):
        canvas = {"id": "https://x.test/c%d" % number, "type": "Canvas", "label": {"en": ["c%d" % number]},
                  "width": 100, "height": 200, "items": []}
        if body is not None:
            canvas["items"] = [{"id": "https://x.test/p%d" % number, "type": "AnnotationPage", "items": [
                {"id": "https://x.test/a%d" % number, "type": "Annotation", "motivation": "painting",
                 "body": body, "target": canvas["id"]}]}]
        canvas.update(canvas_extra or {})
        items.append(canvas)
    doc = {"@context": "http://iiif.io/api/presentation/3/context.json", "id": "https://x.test/m",
           "type": "Manifest", "label": {"en": ["m"]}, "items": items}
    doc.update(extra)
    return doc


def image_body(*services, **extra):
    body = {"id": "https://x.test/img.jpg", "type": "Image", "format": "image/jpeg"}
    if services:
        body["service"] = list(services)
    body.update(extra)
    return body


S1 = {"@context": "http://library.stanford.edu/iiif/image-api/1.1/context.json", "@id": "https://x.test/s1/",
      "profile": "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level1"}
S2 = {"@id": "https://x.test/s2/", "@type": "ImageService2", "profile": "http://iiif.io/api/image/2/level1.json"}
S3 = {"id": "https://x.test/s3", "type": "ImageService3", "profile": "level1"}
AUTH = {"@id": "https://x.test/login", "profile": "http://iiif.io/api/auth/1/login"}


@pytest.mark.parametrize("services,expected", [
    ([S1, S2, S3], ("https://x.test/s3", "v3")),
    ([S3, S2, S1], ("https://x.test/s3", "v3")),
    ([S1, S2], ("https://x.test/s2", "v2")),
    ([S2, S1], ("https://x.test/s2", "v2")),
    ([S1], ("https://x.test/s1", "v1")),
    ([AUTH, S1], ("https://x.test/s1", "v1")),
    ([{"@id": "https://x.test/p", "protocol": "http://iiif.io/api/image"}], ("https://x.test/p", "v2")),
    ([{"@id": "https://x.test/c3", "@context": "http://iiif.io/api/image/3/context.json"}], ("https://x.test/c3", "v3")),
    ([{"@id": "https://x.test/pl", "profile": ["http://iiif.io/api/image/2/level2.json", {"formats": ["png"]}]}],
     ("https://x.test/pl", "v2")),
], ids=["3-2-1", "3 first", "1-2", "2-1", "1.1 only", "auth ignored", "protocol", "context", "profile array"])
def test_service_picking_order(services, expected):
    (image,) = read_manifest(v3_manifest(image_body(*services))).images
    assert (image["iiif_url"], image["api_version"]) == expected
    assert image["kind"] == "iiif" and image["uri"] == expected[0]


@pytest.mark.parametrize("service,level", [
    (S1, 1), (S2, 1), (S3, 1), (dict(S3, profile="level0"), 0),
    (dict(S2, profile=["http://iiif.io/api/image/2/level2.json", {"formats": ["png"]}]), 2),
    ({"id": "https://x.test/n", "type": "ImageService3"}, None),
])
def test_service_level(service, level):
    assert read_manifest(v3_manifest(image_body(service))).images[0]["service_level"] == level


def test_fixture_service_levels():
    assert {i["service_level"] for i in read_manifest(load("v2-harvard-art-299843.json")).images} == {2}
    florus = read_manifest(load("v2-florus-empty-canvases.json")).images
    assert {(i["api_version"], i["service_level"]) for i in florus} == {("v1", 2), ("v2", 1)}
    assert read_manifest(load("v2-fixture01-minimal.json")).images[0]["service_level"] is None


def test_only_non_image_services_means_static_image():
    (image,) = read_manifest(v3_manifest(image_body(AUTH))).images
    assert image["kind"] == "image" and image["iiif_url"] is None and image["uri"] == "https://x.test/img.jpg"


def test_size_fallbacks():
    service = dict(S3, width=30, height=40)
    doc = v3_manifest(image_body(service, width=10, height=20), image_body(service), image_body(service, width=10),
                      image_body())
    for canvas in doc["items"]:
        del canvas["width"], canvas["height"]
    doc["items"][2]["width"] = 7
    sizes = [(i["width"], i["height"]) for i in read_manifest(doc).images]
    # resource, then service; a lone canvas width beside a service pair → the service pair; nothing → None
    assert sizes == [(10, 20), (30, 40), (30, 40), (None, None)]
    doc = v3_manifest(image_body(service, width=10, height=20))
    assert (read_manifest(doc).images[0]["width"], read_manifest(doc).images[0]["height"]) == (100, 200)


def test_language_fallback_order():
    label = {"de": ["Hund"], "none": ["dog-none"], "fr": ["chien"]}
    assert pick_language(label, ("fr",)) == "chien"
    assert pick_language(label, ("es",)) == "dog-none"  # no es, no en → none
    assert pick_language({"@none": ["n"], "de": ["d"]}, ("es",)) == "n"
    assert pick_language({"de": ["d"], "fr": ["f"]}, ("es",)) == "d"  # then the first
    assert pick_language({"en": ["e"], "none": ["n"]}, ("es",)) == "e"  # en before none
    assert pick_language({"en-GB": ["colour"]}, ("en-US",)) == "colour"  # same primary language
    assert pick_language({"en": ["a", "b"]}) == "a; b"
    assert pick_language([{"@value": "x", "@language": "fr"}, "plain"], ("de",)) == "plain"
    assert pick_language(["one", "two"]) == "one; two"
    assert pick_language(None) is None and pick_language({}) is None and pick_language("") is None


def test_manifest_label_with_at_none():
    doc = v3_manifest(image_body(), label={"@none": ["Sans langue"], "de": ["Deutsch"]})
    assert read_manifest(doc, languages=("fr",)).name == "Sans langue"


def test_v3_label_inside_v2_file():
    doc = load("v2-fixture01-minimal.json")
    doc["label"] = {"en": ["v3 style"], "none": ["x"]}
    assert read_manifest(doc).name == "v3 style"


def test_v2_choice_default_and_rdf_nil():
    doc = load("v2-fixture01-minimal.json")
    annotation = doc["sequences"][0]["canvases"][0]["images"][0]
    plain = annotation["resource"]
    annotation["resource"] = {"@type": "oa:Choice", "default": "rdf:nil",
                              "item": ["rdf:nil", dict(plain, **{"@id": "https://x.test/second.png"})]}
    (image,) = read_manifest(doc).images
    assert image["uri"] == "https://x.test/second.png"
    annotation["resource"] = {"@type": "oa:Choice", "default": dict(plain, **{"@id": "https://x.test/default.png"}),
                              "item": [dict(plain, **{"@id": "https://x.test/other.png"})]}
    assert read_manifest(doc).images[0]["uri"] == "https://x.test/default.png"


def test_v3_specific_resource_source():
    body = {"type": "SpecificResource", "source": image_body(S3), "selector": {"type": "ImageApiSelector",
                                                                               "region": "0,0,10,10"}}
    (image,) = read_manifest(v3_manifest(body)).images
    assert image["iiif_url"] == "https://x.test/s3"


def test_type_ending_in_image_any_case_and_others_skipped():
    doc = v3_manifest(image_body(type="dcTypes:Image"), image_body(type="dcterms:IMAGE"),
                      {"id": "https://x.test/v.mp4", "type": "Video"}, {"type": "TextualBody", "value": "hi"})
    result = read_manifest(doc)
    assert (result.canvases, len(result.images), result.skipped_canvases) == (4, 2, 2)
    assert [image["name"] for image in result.images] == ["c1", "c2"]


def test_first_painting_image_in_annotation_order_and_duplicates_once():
    doc = v3_manifest(image_body(id="https://x.test/first.jpg"))
    page = doc["items"][0]["items"][0]
    annotation = page["items"][0]
    commenting = {"id": "https://x.test/note", "type": "Annotation", "motivation": "commenting",
                  "body": image_body(id="https://x.test/not-painting.jpg")}
    second = dict(annotation, id="https://x.test/a-second", body=image_body(id="https://x.test/second.jpg"))
    page["items"] = [commenting, annotation, annotation, second]
    doc["items"][0]["items"].append(copy.deepcopy(page))
    result = read_manifest(doc)
    assert [image["uri"] for image in result.images] == ["https://x.test/first.jpg"]
    assert result.canvases == 1 and result.skipped_canvases == 0


def test_attribution_html_is_stripped():
    value = ('<span>Held by <a href="https://museum.test/">the <b>Museum</b></a> &amp; friends<br/>'
             'Second line<script>alert(1)</script></span>')
    statement = {"label": {"en": ["Attribution"]}, "value": {"en": [value]}}
    result = read_manifest(v3_manifest(image_body(), requiredStatement=statement))
    assert result.attribution == "Held by the Museum & friends\nSecond line"
    doc = load("v2-fixture01-minimal.json")
    doc["attribution"] = "<p>Provided by <i>Someone</i></p>"
    assert read_manifest(doc).attribution == "Provided by Someone"
    assert strip_html("a < b and c > d") == "a < b and c > d"


def test_metadata_pairs_are_strings():
    metadata = [{"label": {"en": ["Date"]}, "value": {"none": ["1888", "1889"]}},
                {"label": "Plain", "value": 42}, {"label": None, "value": "dropped"}, "junk",
                {"label": {"en": ["Empty"]}}]
    result = read_manifest(v3_manifest(image_body(), metadata=metadata))
    assert result.metadata == [{"name": "Date", "value": "1888; 1889"}, {"name": "Plain", "value": "42"},
                               {"name": "Empty", "value": ""}]


def test_canvas_metadata_and_description_on_the_image():
    doc = v3_manifest(image_body(), canvas_extra={"summary": {"en": ["About"]},
                                                  "metadata": [{"label": "k", "value": "v"}]})
    (image,) = read_manifest(doc).images
    assert image["description"] == "About" and image["metadata"] == [{"name": "k", "value": "v"}]


def test_v2_first_sequence_only():
    doc = load("v2-fixture01-minimal.json")
    extra = copy.deepcopy(doc["sequences"][0])
    extra["canvases"] = extra["canvases"] * 3
    doc["sequences"].append(extra)
    assert read_manifest(doc).canvases == 1


@pytest.mark.parametrize("doc", [
    {"@context": "http://iiif.io/api/presentation/3/context.json", "id": "https://x.test/c", "type": "Canvas",
     "width": 1, "height": 1, "items": []},
    {"@context": "http://iiif.io/api/presentation/2/context.json", "@id": "https://x.test/c", "@type": "sc:Canvas"},
    {"type": "AnnotationPage", "items": []},
    {"hello": "world"},
    [1, 2, 3],
    "a string",
    None,
], ids=["v3 canvas", "v2 canvas", "annotation page", "untyped object", "list", "string", "null"])
def test_not_a_manifest(doc):
    with pytest.raises(NotAManifest):
        read_manifest(doc)


def test_manifest_without_canvases_has_no_images():
    with pytest.raises(NoImages):
        read_manifest(v3_manifest())
    with pytest.raises(NoImages):
        read_manifest(v3_manifest(None, None))


def test_loads_manifest():
    assert loads_manifest(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(NotAManifest):
        loads_manifest(b"<html>nope</html>")
    with pytest.raises(NotAManifest):
        loads_manifest(b"[1]")


def test_parse_accept_language():
    assert parse_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ("fr-ch", "fr", "en", "de")
    assert parse_accept_language("en;q=0, de") == ("de",)
    assert parse_accept_language(None) == ()


def test_synthetic_manifest():
    result = read_manifest(synthetic_manifest(50, every_nth_empty=10))
    assert (result.canvases, len(result.images), result.skipped_canvases) == (50, 45, 5)
    assert result.images[0]["kind"] == "iiif" and result.images[0]["api_version"] == "v3"
    static = read_manifest(synthetic_manifest(3, service=False))
    assert {image["kind"] for image in static.images} == {"image"}
