"""Errors a client can cause, and how each dialect writes them."""


class ApiError(Exception):
    """A 4xx (or 503) answer. ``pointer``/``parameter``/``header`` say where the problem is."""

    def __init__(self, status, detail, *, title=None, code=None, pointer=None, parameter=None,
                 header=None, headers=None, errors=None, type_link=None, meta=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.code = code
        self.pointer = pointer
        self.parameter = parameter
        self.header = header
        self.headers = headers or {}
        self.extra = errors or []  # further ApiError objects reported in the same response
        self.type_link = type_link  # JSON:API 1.1 ``links.type``: a URI naming the kind of error (profiles)
        self.meta = meta

    def objects(self):
        return [self, *self.extra]

    def jsonapi(self):
        obj = {"status": str(self.status), "title": self.title, "detail": self.detail}
        if self.code:
            obj["code"] = self.code
        if self.pointer is not None:
            obj["source"] = {"pointer": self.pointer}
        elif self.parameter is not None:
            obj["source"] = {"parameter": self.parameter}
        elif self.header is not None:
            obj["source"] = {"header": self.header}
        if self.type_link:
            obj["links"] = {"type": self.type_link}
        if self.meta:
            obj["meta"] = self.meta
        return obj

    def panoptes(self):
        return {"message": self.detail}


TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    428: "Precondition required",
    429: "Too many requests",
    503: "Service unavailable",
}


def bad_parameter(name, detail, status=400):
    return ApiError(status, detail, code="invalid_parameter", parameter=name)


def not_found(type_=None, id_=None):
    if type_ is None:
        return ApiError(404, "The requested resource does not exist.", code="not_found")
    return ApiError(404, f"Could not find {type_} with id '{id_}'.", code="not_found")


def conflict():
    """A database constraint refused the write: a duplicate, or a reference removed meanwhile."""
    return ApiError(409, "The change conflicts with existing data (a duplicate or a missing reference).",
                    code="conflict")


def invalid(pointer, detail, code="invalid"):
    return ApiError(422, detail, code=code, pointer=pointer)


def combine(errors, status=None):
    """One ApiError carrying several problems; the status is the most general one."""
    first = errors[0]
    if status is None:
        statuses = {e.status for e in errors}
        status = first.status if len(statuses) == 1 else (400 if all(s < 500 for s in statuses) else 500)
    first.status = status
    first.extra = list(errors[1:])
    return first
