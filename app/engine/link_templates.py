"""Link templates for every relation of every type, in both dialects (API §2.1, §2.2).

Panoptes: top-level ``links`` keyed ``<type>.<relation>``, hrefs relative to the API root with
literal ``{type.path}`` placeholders. JSON:API: the same under ``meta.link_templates``, nested by
type and relation, with absolute hrefs.
"""
from functools import lru_cache

from app.engine.registry import RESOURCES


def template_path(resource, relation, panoptes):
    """The root-relative template for one relation."""
    t = resource.type
    if relation.many:
        target = RESOURCES[relation.types[0]]
        if relation.param:
            return f"/{target.path}?{relation.param}={{{t}.id}}"
        return f"/{resource.path}/{{{t}.id}}/{relation.name}"
    if panoptes:
        if relation.polymorphic:
            return f"/{{{t}.{relation.name}.href}}"
        target = RESOURCES[relation.types[0]]
        return f"/{target.path}/{{{t}.{relation.name}}}"
    return f"/{resource.path}/{{{t}.id}}/{relation.name}"


def document_templates(resource):
    """{name: (root-relative template, type)} of the resource's links to documents that are not resources."""
    return {name: (path.replace("{id}", f"{{{resource.type}.id}}"), link_type)
            for name, (path, link_type) in resource.document_links.items()}


@lru_cache(maxsize=None)
def panoptes_templates(type_name):
    resource = RESOURCES[type_name]
    templates = {
        f"{type_name}.{name}": {"href": template_path(resource, rel, True), "type": rel.link_type}
        for name, rel in resource.relations.items()
    }
    templates.update({f"{type_name}.{name}": {"href": href, "type": link_type}
                      for name, (href, link_type) in document_templates(resource).items()})
    return templates


@lru_cache(maxsize=256)
def jsonapi_templates(type_name, root):
    resource = RESOURCES[type_name]
    templates = {
        name: {"href": root + template_path(resource, rel, False), "type": rel.link_type}
        for name, rel in resource.relations.items()
    }
    templates.update({name: {"href": root + href, "type": link_type}
                      for name, (href, link_type) in document_templates(resource).items()})
    return templates


def panoptes_links(type_names):
    links = {}
    for type_name in type_names:
        links.update(panoptes_templates(type_name))
    return links


def jsonapi_link_templates(type_names, root):
    return {type_name: jsonapi_templates(type_name, root) for type_name in type_names}
