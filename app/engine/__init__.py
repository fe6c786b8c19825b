"""The JSON:API engine: negotiation, query parameters, loading, documents and dialects.

Written once; every resource type is served through it from a declaration in ``resources/``.
"""
