"""Every resource type the API serves, by type name, filled as declarations are imported."""
RESOURCES = {}


def resource_for(type_name):
    return RESOURCES[type_name]
