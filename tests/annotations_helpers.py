"""Seeding and request helpers for the annotation tests: an image set with known images and languages, and
annotations made through each of the three protocols."""
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.image_sets_helpers import create_set, make_image
from tests.reading_seed import make_collection

ANNO = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def annotated_set(client, owner, languages=("en", "fr"), name="Annotated", collection=None):
    """(collection id, image set id, [image ids]): two 1000×800 images in a set allowing ``languages``."""
    collection = collection or make_collection(client, owner, "Annotated collection")
    images = [make_image(client, owner, uri=f"https://static.example.org/{name}{i}.jpg", width=1000, height=800)
              for i in range(2)]
    inputs = {"image_ids": images}
    if languages:
        inputs["allowed_languages"] = list(languages)
    sid = create_set(client, owner, collection, name, **inputs)
    return collection, sid, images


def container(sid):
    return f"/api/image_sets/{sid}/annotations"


def w3c_container(sid):
    return f"/w3c/image_sets/{sid}/annotations/"


def body(text, language="en", **more):
    return {"value": text, **({"language": language} if language else {}), **more}


def annotation_body(image, text="A comment", language="en", motivation="commenting", selector=None):
    attributes = {"motivation": motivation, "body": body(text, language)}
    if selector is not None:
        attributes["selector"] = selector
    return jsonapi_body("annotations", attributes, {"image": {"data": {"type": "images", "id": str(image)}}})


def annotate(client, person, sid, image, expect=201, **kw):
    """POST …/annotations in the JSON:API dialect; the id (or the response when a refusal is expected)."""
    response = client.post(container(sid), headers=person.jsonapi(), content_type=JSONAPI,
                           json=annotation_body(image, **kw))
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()["data"]["id"] if expect == 201 else response


def annotate_panoptes(client, person, sid, image, text="A comment", language="en", motivation="commenting",
                      **more):
    return client.post(container(sid), headers=person.panoptes(), content_type=PANOPTES,
                       json={"annotations": {"motivation": motivation, "body": body(text, language), **more,
                                             "links": {"image": str(image)}}})


def web_annotation(image_iri, text="A comment", language="en", motivation="commenting", region=None):
    target = image_iri
    if region is not None:
        target = {"type": "SpecificResource", "source": image_iri,
                  "selector": {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/",
                               "value": region}}
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "motivation": motivation,
            "body": {"type": "TextualBody", "value": text, "language": language, "format": "text/plain"},
            "target": target}


def w3c_headers(person=None, **extra):
    headers = {"Accept": ANNO, **extra}
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    return headers
