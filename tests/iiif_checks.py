"""What every produced IIIF document must satisfy: it loads in iiif-prezi3 (the IIIF community's Presentation 3
models, generated from the presentation validator's JSON Schema), and the Presentation 3 requirements a schema
cannot see: ids unique and HTTP(S), canvas ids without a fragment, canvases with positive integer width and
height, language maps of language → list of strings, the painting body's id not the service's."""
from iiif_prezi3 import Collection, Manifest

MODELS = {"Manifest": Manifest, "Collection": Collection}


def language_map_errors(value, where):
    if not isinstance(value, dict) or not value:
        return [f"{where}: not a language map: {value!r}"]
    errors = []
    for language, texts in value.items():
        if not isinstance(language, str) or not language:
            errors.append(f"{where}: bad language key {language!r}")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            errors.append(f"{where}.{language}: values must be a non-empty list of strings: {texts!r}")
    return errors


def _walk(node, path, ids, errors):
    if isinstance(node, list):
        for n, item in enumerate(node):
            _walk(item, f"{path}[{n}]", ids, errors)
        return
    if not isinstance(node, dict):
        return
    for key in ("label", "summary"):
        if key in node:
            errors += language_map_errors(node[key], f"{path}.{key}")
    for key in ("metadata",):
        for n, entry in enumerate(node.get(key) or []):
            errors += language_map_errors(entry.get("label"), f"{path}.{key}[{n}].label")
            errors += language_map_errors(entry.get("value"), f"{path}.{key}[{n}].value")
    if "requiredStatement" in node:
        errors += language_map_errors(node["requiredStatement"].get("label"), f"{path}.requiredStatement.label")
        errors += language_map_errors(node["requiredStatement"].get("value"), f"{path}.requiredStatement.value")
    kind = node.get("type")
    if kind in ("Manifest", "Collection", "Canvas", "AnnotationPage", "Annotation") and "items" in node:
        node_id = node.get("id")
        if not isinstance(node_id, str) or not node_id.startswith(("http://", "https://")):
            errors.append(f"{path}: id {node_id!r} is not an HTTP(S) URI")
        elif node_id in ids:
            errors.append(f"{path}: id {node_id} is used twice")
        ids.add(node_id)
    if kind == "Canvas":
        if "#" in node.get("id", ""):
            errors.append(f"{path}: a canvas id has no fragment")
        for side in ("width", "height"):
            value = node.get(side)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                errors.append(f"{path}.{side}: must be a positive integer, is {value!r}")
    if kind == "Annotation":
        body = node.get("body") or {}
        services = {s.get("id") or s.get("@id") for s in body.get("service") or []}
        if body.get("id") in services:
            errors.append(f"{path}.body: the image's id is its service's")
    for key, value in node.items():
        if key in ("label", "summary", "metadata", "requiredStatement"):
            continue
        _walk(value, f"{path}.{key}", ids, errors)


def spec_errors(doc):
    """The requirements the schema cannot see; [] when the document meets them."""
    errors = []
    if doc.get("@context") != "http://iiif.io/api/presentation/3/context.json":
        errors.append(f"@context is {doc.get('@context')!r}")
    if list(doc)[0] != "@context":
        errors.append("@context is not the first key")
    _walk(doc, "$", set(), errors)
    if doc.get("type") == "Manifest":
        if not doc.get("items"):
            errors.append("a Manifest has at least one Canvas")
        for n, canvas in enumerate(doc.get("items") or []):
            for annotation in canvas["items"][0]["items"]:
                if annotation["target"] != canvas["id"]:
                    errors.append(f"$.items[{n}]: the painting annotation does not target its canvas")
    return errors


def prezi3_errors(doc):
    """Loading the document in iiif-prezi3's model of its type; [] when it loads."""
    model = MODELS.get(doc.get("type"))
    if model is None:
        return [f"no model for type {doc.get('type')!r}"]
    try:
        model(**doc)
    except Exception as error:  # pydantic's ValidationError, or anything the models raise
        return [str(error)]
    return []


def all_errors(doc):
    return prezi3_errors(doc) + spec_errors(doc)
