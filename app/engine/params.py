"""Query parameters of list and show requests (API §3), parsed once per request."""
import re
from dataclasses import dataclass, field

from app.engine import cursors
from app.engine.errors import ApiError, bad_parameter

FAMILY = re.compile(r"^([A-Za-z0-9_@:-]+)(?:\[([^\[\]]*)\])?$")
LOWER_ONLY = re.compile(r"^[a-z]+$")
# Parameters Panoptes clients add that carry no meaning here.
IGNORED = {"http_cache", "admin"}


@dataclass
class Query:
    include: list = field(default_factory=list)        # [("subjects", "owner"), …]
    include_tree: dict = field(default_factory=dict)   # {"subjects": {"owner": {}}}
    fields: dict = field(default_factory=dict)         # {"collections": {"display_name"}}
    sort: list = field(default_factory=list)           # [("display_name", False), …] desc flag
    sort_text: str | None = None
    page: int = 1
    page_size: int = 20
    filters: dict = field(default_factory=dict)        # {"owner": ["alice"]}
    filter_forms: list = field(default_factory=list)   # [(name, key as sent, value)] for page links
    explicit_page_size: bool = False
    # cursor paging (app/engine/cursors.py): the Positions of page[after] / page[before], or None
    cursor_mode: bool = False
    after: object = None
    before: object = None
    cursor_scope: str = ""     # what this list's cursors are bound to (path, order, filters)
    secret: str = ""

    @property
    def offset(self):
        return min((self.page - 1) * self.page_size, MAX_OFFSET)

    def include_names(self):
        return [".".join(path) for path in self.include]


# The largest integer every JSON reader keeps exactly; page numbers beyond it are refused, not served.
MAX_PAGE = 2**53 - 1
# An offset past every possible row; keeps OFFSET within a 64-bit integer for any page number.
MAX_OFFSET = 2**62


ASCII_NUMBER = re.compile(r"\s*[0-9]+\s*")


def _positive_int(name, value, maximum=None):
    # int() alone would read other scripts' digits (٣, ３), underscores and signs
    try:
        if not isinstance(value, str) or not ASCII_NUMBER.fullmatch(value):
            raise ValueError(value)
        number = int(value)
    except (TypeError, ValueError):
        raise bad_parameter(name, f"'{name}' must be a positive integer, not '{value}'.")
    if number < 1:
        raise bad_parameter(name, f"'{name}' must be a positive integer, not '{value}'.")
    if maximum is not None and number > maximum:
        raise bad_parameter(name, f"'{name}' must be at most {maximum}.")
    return number


def split_list(key, value):
    """The items of a comma-separated parameter; an empty one ("a,,b", "a," or ",") is a 400 naming ``key``,
    since the caller meant something there that it left out. An empty value is no items."""
    if not value:
        return []
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise bad_parameter(key, f"'{key}' lists an empty item; separate its items with single commas, as in "
                            f"{key}=a,b.")
    return items


CURSOR_KEYS = ("page[after]", "page[before]")
NUMBER_KEYS = ("page", "page[number]")


def parse(args, resource, dialect, config, *, listing=True, path="", cursor_requested=False):
    """Read ``args`` (a MultiDict) for ``resource``; raise ApiError naming the first bad parameter.

    A list is paged by cursor when the request names ``page[after]`` or ``page[before]`` (an empty value:
    the first or the last page), or when its Accept asks for the cursor pagination profile and it names
    no page number; else by page number, as always. ``path`` is the list's path, which cursors are bound to.
    """
    q = Query(page_size=config["PAGE_SIZE_DEFAULT"])
    cursor_keys = [k for k in CURSOR_KEYS if k in args]
    numbers = [k for k in NUMBER_KEYS if k in args]
    q.cursor_mode = listing and bool(cursor_keys or (cursor_requested and not numbers))
    if q.cursor_mode and numbers:
        raise bad_parameter(numbers[0], f"'{numbers[0]}' and '{cursor_keys[0]}' do not go together: a page "
                            "is named by a cursor or by a number.")
    page_number = page_size = size_key = None
    for key in args.keys():
        values = args.getlist(key)
        value = values[-1]
        if "\x00" in key or any("\x00" in v for v in values):
            raise bad_parameter(key, f"'{key.replace(chr(0), '')}' holds a NUL character (%00).")
        match = FAMILY.match(key)
        if not match:
            raise bad_parameter(key, f"'{key}' is not a legal query parameter name.")
        base, member = match.group(1), match.group(2)
        if key in IGNORED:
            continue
        if len(values) > 1:  # which one was meant is a guess: first, last, or all of them
            raise bad_parameter(key, f"'{key}' is given {len(values)} times: send it once (a comma list where "
                                "it takes several values).")
        if key == "include":
            _parse_include(q, value, resource, dialect, config)
        elif base == "fields" and member is not None:
            _parse_fields(q, member, value, key)
        elif key == "sort":
            if listing:
                _parse_sort(q, value, resource, q.cursor_mode)
        elif key in ("page", "page[number]"):
            page_number = _positive_int(key, value, MAX_PAGE)
        elif key in ("page_size", "page[size]"):
            page_size, size_key = _positive_int(key, value), key
        elif key in CURSOR_KEYS:
            if not listing:
                raise bad_parameter(key, f"'{key}' only applies to lists.")
        elif key == "page[offset]":
            raise bad_parameter(key, "Pages are named by 'page[number]' (or by cursor: 'page[after]', "
                                "'page[before]'), not by offset.")
        elif base == "filter" and member:
            _add_filter(q, member, key, value, resource, listing)
        elif member is None and key in resource.filters and (dialect.bare_filters or not LOWER_ONLY.match(key)):
            _add_filter(q, key, key, value, resource, listing)
        else:
            if member is None and key in resource.filters:
                detail = (f"'{key}' is a Panoptes-dialect parameter; in JSON:API use 'filter[{key}]'.")
            else:
                detail = f"Unknown query parameter '{key}'."
            raise bad_parameter(key, detail)
    if page_number is not None:
        q.page = page_number
    maximum = config["PAGE_SIZE_MAX"]
    if page_size is not None:
        if q.cursor_mode and page_size > maximum:
            # the profile's limit is an error, not the clamp of numbered pages
            raise ApiError(400, f"'{size_key}' must be at most {maximum}.", code="invalid_parameter",
                           parameter=size_key, type_link=cursors.MAX_SIZE_EXCEEDED, meta={"page": {"maxSize": maximum}})
        q.explicit_page_size = True
        q.page_size = min(page_size, maximum)
    if q.cursor_mode:
        _parse_cursors(q, args, config, path)
    if not q.sort:
        q.sort = [("id", False)]
    elif q.sort[-1] != ("id", False) and all(name != "id" for name, _ in q.sort):
        q.sort.append(("id", False))  # tie-breaker so pages never repeat or skip rows
    return q


def _parse_cursors(q, args, config, path):
    texts = {key: args.getlist(key)[-1] for key in CURSOR_KEYS if key in args}
    if len(texts) == 2:
        raise ApiError(400, "A page is named by 'page[after]' or by 'page[before]'; ranges (both) are not "
                       "supported.", code="range_not_supported", parameter="page[before]",
                       type_link=cursors.RANGE_NOT_SUPPORTED)
    q.secret = config["SECRET_KEY"]
    q.cursor_scope = cursors.list_scope(path, q.sort_text or "", q.filter_forms)
    for key, text in texts.items():
        position = cursors.decode(q.secret, q.cursor_scope, text, key)
        if key == "page[after]":
            q.after = position
        else:
            q.before = position


def _parse_include(q, value, resource, dialect, config):
    status = dialect.include_error_status
    paths = split_list("include", value)
    max_depth = config["INCLUDE_MAX_DEPTH"]
    for text in paths:
        path = tuple(text.split("."))
        if any(not part for part in path):
            raise bad_parameter("include", f"'{text}' is not a valid include path.", status)
        if len(path) > max_depth:
            raise bad_parameter("include", f"The include path '{text}' is {len(path)} relations deep; "
                                f"the limit is {max_depth} (INCLUDE_MAX_DEPTH).", 400)
        candidates = [resource]
        for depth, name in enumerate(path):
            following = []
            for res in candidates:
                relation = res.relations.get(name)
                if relation is not None:
                    following.extend(relation.targets())
            if not following:
                where = resource.type if depth == 0 else ".".join(path[:depth])
                raise bad_parameter("include", f"'{name}' is not a valid include for {where} "
                                    f"(in '{text}').", status)
            candidates = following
        if path not in q.include:
            q.include.append(path)
            node = q.include_tree
            for name in path:
                node = node.setdefault(name, {})


def _parse_fields(q, type_name, value, key):
    from app.engine.registry import RESOURCES

    if not type_name:
        raise bad_parameter(key, "fields needs a type, as in fields[collections]=display_name.")
    resource = RESOURCES.get(type_name)
    if resource is None:
        raise bad_parameter(key, f"'{type_name}' is not a resource type of this API.")
    names = set(split_list(key, value))
    unknown = sorted(names - resource.field_names)
    if unknown:
        raise bad_parameter(key, f"{type_name} has no field {', '.join(repr(n) for n in unknown)}; its fields are "
                            f"{', '.join(sorted(resource.field_names))}.")
    q.fields[type_name] = names


def _parse_sort(q, value, resource, cursor_mode=False):
    q.sort_text = value
    for item in split_list("sort", value):
        desc = item.startswith("-")
        name = item[1:] if desc else item
        if name not in resource.sorts:
            allowed = ", ".join(sorted(resource.sorts))
            error = bad_parameter("sort", f"Cannot sort {resource.type} by '{name}'; allowed: {allowed}.")
            if cursor_mode:
                error.type_link = cursors.UNSUPPORTED_SORT
            raise error
        if name not in [n for n, _ in q.sort]:
            q.sort.append((name, desc))


def _add_filter(q, name, key, value, resource, listing):
    if not listing:
        raise bad_parameter(key, f"'{key}' only applies to lists.")
    spec = resource.filters.get(name)
    if spec is None:
        allowed = ", ".join(sorted(resource.filters))
        raise bad_parameter(key, f"Cannot filter {resource.type} by '{name}'; allowed: {allowed}.")
    values = split_list(key, value)
    if not values:
        raise bad_parameter(key, f"'{key}' needs a value.")
    parsed = [spec.parse(key, v) for v in values]
    q.filters.setdefault(name, []).extend(parsed)
    q.filter_forms.append((name, key, value))

