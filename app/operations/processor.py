"""The one place writes happen: each operation runs inside the processor's transaction, with its locks, policy
checks, input resolution and version bump; ``run`` commits one operation, ``run_all`` several or none."""
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.engine.body import Input, resolve_targets
from app.engine.errors import ApiError, combine, conflict
from app.engine.http import version_tag, _tags
from app.engine.relations import CREATE_ONLY, READ_ONLY
from app.engine.rows import bump_version, lock_for_write
from app.extensions import db
from app.operations.kinds import Outcome, Write
from app.operations.listeners import watching

ACTION_WORDS = {"update": "change", "destroy": "delete", "link": "add links to", "unlink": "remove links from"}


def require_action(resource, caller, obj, action):
    if action not in resource.policy.actions(caller, obj):
        raise ApiError(403, f"You are not allowed to {ACTION_WORDS.get(action, action)} this "
                       f"{resource.type} resource.", code="forbidden")


def check_precondition(resource, obj, precondition):
    """412 unless If-Match names the current version; 428 when one is required and absent."""
    header = precondition.if_match
    if header is None:
        if precondition.required:
            raise ApiError(428, "Request requires If-Match header to be present.", code="precondition_required",
                           header="If-Match")
        return
    current = version_tag(resource.type, obj.id, obj.lock_version)
    for tag in _tags(header):
        if tag == "*" or tag.split("-", 1)[0] == current:
            return
    raise ApiError(412, "The resource has changed since it was read: If-Match does not match its ETag.",
                   code="precondition_failed", header="If-Match")


def commit():
    """Commit, turning constraint and version conflicts into client errors; nothing is kept on failure."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(412, "The resource was changed by another request; read it again and retry.",
                       code="precondition_failed")
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict() from exc


def flush():
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict() from exc


def writable(resource, relation):
    if relation.mode == READ_ONLY:
        raise ApiError(403, f"The {relation.name} relationship of {resource.type} is read only.",
                       code="read_only_relationship")
    if relation.mode == CREATE_ONLY:
        raise ApiError(403, f"The {relation.name} relationship of {resource.type} is set when the "
                       "resource is created and cannot be changed.", code="read_only_relationship")


def _assign(resource, obj, values):
    """Set validated attributes on the object; return the write-only inputs for the hooks."""
    inputs = {}
    for key, value in values.items():
        if key in resource.write_only:
            inputs[key] = value
        else:
            setattr(obj, key, value)
    return inputs


def _apply_relations(resource, obj, inp, creating):
    """To-one links are columns set before flush; to-many ones are written once the id exists."""
    to_many = []
    for name, linkage in inp.relations.items():
        relation = resource.relations[name]
        if relation.many:
            to_many.append((relation, relation.members(linkage)))
            continue
        if relation.mode == CREATE_ONLY and not creating:
            if linkage != relation.linkage_of(obj):
                raise ApiError(422, f"{name} is set when the resource is created and cannot be changed.",
                               code="read_only", pointer=inp.pointers.get(name))
            continue
        relation.apply(obj, linkage)
    return to_many


class Processor:
    def __init__(self, caller):
        self.caller = caller

    # -- running ---------------------------------------------------------------------------------------
    def run(self, op):
        """One operation in its own transaction, committed."""
        outcome = self.execute(op)
        commit()
        return outcome

    def execute(self, op):
        """Run ``op`` inside the current transaction (the caller commits or rolls back)."""
        after = watching(op)
        outcome = getattr(self, "_" + op.kind)(op)
        for fn in after:
            fn(outcome)
        return outcome

    # -- the kinds -------------------------------------------------------------------------------------
    def _create(self, op):
        resource, caller = op.resource, self.caller
        write = Write(op, caller, self)
        parent = resource.parent
        if parent is not None:
            if parent.key not in op.parents:
                raise ApiError(405, f"{resource.type} are created under their {parent.type.rstrip('s')}: POST "
                               f"/api/{parent.resource.path}/{{id}}/{parent.segment}.", code="method_not_allowed")
            write.parent = parent.visible(op.parents[parent.key], caller, lock=parent.lock)
        if not resource.policy.create_reads_body:
            # rights that the body cannot change are checked before it is read (on an object holding only its
            # parent's id), so a caller who may not create learns nothing from validation
            probe = resource.model()
            if write.parent is not None:
                setattr(probe, parent.attribute.key, write.parent.id)
            resource.policy.may_create(caller, probe, None)
        inp = op.take_input()
        resolve_targets(inp, caller)
        obj = resource.make(write)
        write.obj = obj
        if write.parent is not None:
            setattr(obj, parent.attribute.key, write.parent.id)
        write.inputs = _assign(resource, obj, inp.values)
        to_many = _apply_relations(resource, obj, inp, creating=True)
        resource.prepare(write)
        resource.policy.may_create(caller, obj, inp)
        if obj not in db.session:
            db.session.add(obj)
        flush()
        self._check_echoes(resource, obj.id, inp)
        for relation, ids in to_many:
            relation.replace(obj.id, ids)
        resource.finish(write)
        return Outcome(resource, obj.id, 201)

    def _load(self, op):
        """The row an operation changes: under its URL's parent, visible, locked, current."""
        resource = op.resource
        if resource.parent is not None:
            resource.parent.check(resource, op.parents, op.id, self.caller)
        obj = lock_for_write(resource, op.id, self.caller)
        return obj

    def _update(self, op):
        resource, caller = op.resource, self.caller
        obj = self._load(op)
        require_action(resource, caller, obj, "update")
        check_precondition(resource, obj, op.precondition)
        inp = op.take_input()
        self._check_echoes(resource, obj.id, inp)
        resolve_targets(inp, caller)
        write = Write(op, caller, self, obj=obj)
        resource.prepare(write)
        write.inputs = _assign(resource, obj, inp.values)
        for relation, ids in _apply_relations(resource, obj, inp, creating=False):
            relation.replace(obj.id, ids)
            write.unlinked.add(relation.name)
        resource.finish(write)
        obj.touch()
        flush()
        return Outcome(resource, obj.id, 200)

    def _remove(self, op):
        resource, caller = op.resource, self.caller
        obj = self._load(op)
        require_action(resource, caller, obj, "destroy")
        check_precondition(resource, obj, op.precondition)
        kept = op.keep() if op.keep is not None else None
        resource.remove(Write(op, caller, self, obj=obj))
        flush()
        return Outcome(resource, None, 204, kept=kept)

    def _relationship(self, op, actions):
        resource, caller, relation = op.resource, self.caller, op.relation
        obj = self._load(op)
        check_precondition(resource, obj, op.precondition)
        write = Write(op, caller, self, obj=obj)
        resource.prepare(write)
        writable(resource, relation)
        for action in actions:
            require_action(resource, caller, obj, action)
        op.take_input()
        return obj, write

    def _add(self, op):
        relation = op.relation
        # setting a to-one relation replaces what it held: the same rights as replacing, in every dialect
        needs = [relation.add_action] if relation.many else [relation.add_action, relation.remove_action]
        obj, write = self._relationship(op, needs)
        self._resolve(op)
        if not relation.many:
            return self._set_to_one(op, obj, write, op.linkage)
        ids = relation.members(op.linkage)
        present = relation.present(obj.id, ids)
        if op.duplicates_refused:
            if present:
                raise self._duplicate(op, ids, present)
            try:
                relation.add(obj.id, ids)
            except IntegrityError as exc:
                # the unique constraint caught a member added meanwhile by another route (the parent row is
                # locked, so not through this one), or a member deleted meanwhile; the request fails either way
                db.session.rollback()
                present = relation.present(obj.id, ids)
                if present:
                    raise self._duplicate(op, ids, present) from exc
                raise conflict() from exc
        else:
            relation.add(obj.id, [i for i in ids if i not in present], skip_existing=True)
        return self._changed(op, obj, write)

    def _replace(self, op):
        relation = op.relation
        obj, write = self._relationship(op, [relation.add_action, relation.remove_action])
        self._resolve(op)
        if not relation.many:
            return self._set_to_one(op, obj, write, op.linkage)
        relation.replace(obj.id, relation.members(op.linkage))
        write.unlinked.add(relation.name)
        return self._changed(op, obj, write)

    def _drop(self, op):
        relation = op.relation
        obj, write = self._relationship(op, [relation.remove_action])
        if relation.many:
            relation.remove(obj.id, relation.members(op.linkage))
            write.unlinked.add(relation.name)
            return self._changed(op, obj, write)
        current = relation.linkage_of(obj)
        if current is not None and current[1] in {i for _t, i in op.linkage}:
            return self._set_to_one(op, obj, write, None)
        return self._changed(op, obj, write)

    def _action(self, op):
        """A type's own action on one of its rows (``op.id``) or under a parent (``op.parents``)."""
        write = Write(op, self.caller, self)
        if op.id is not None:
            write.obj = self._load(op)
            if op.needs:
                require_action(op.resource, self.caller, write.obj, op.needs)
            check_precondition(op.resource, write.obj, op.precondition)
        elif op.resource.parent is not None and op.resource.parent.key in op.parents:
            parent = op.resource.parent
            write.parent = parent.visible(op.parents[parent.key], self.caller, lock=True)
        if op.guard is not None:
            op.guard(write)
        op.take_input()
        return op.action(write)

    # -- helpers ---------------------------------------------------------------------------------------
    def _check_echoes(self, resource, id_, inp):
        """Read-only relations a body sends are tolerated only as they are (clients echo them); a change
        is a 422 naming it."""
        if not inp.echoed:
            return
        from app.engine.fetch import fetch_row
        row = fetch_row(resource, id_, self.caller)
        errors = []
        for name, (linkage, pointer) in inp.echoed.items():
            relation = resource.relations[name]
            if relation.many:
                current = relation.linkage([id_], 10**12, self.caller).get(id_, ([], 0))[0]
                same = set(relation.members(linkage)) == set(current)
            else:
                same = row is not None and relation.linkage(row, resource.index) == linkage
            if not same:
                errors.append(ApiError(422, f"{name} is read only: it cannot be set or changed here.",
                                       code="read_only", pointer=pointer))
        if errors:
            raise combine(errors)

    def _resolve(self, op):
        resolve_targets(Input(relations={op.relation.name: op.linkage}, pointers={op.relation.name: op.pointer}),
                        self.caller)

    def _set_to_one(self, op, obj, write, linkage):
        op.relation.apply(obj, linkage)
        return self._changed(op, obj, write)

    def _changed(self, op, obj, write):
        op.resource.finish(write)
        flush()
        bump_version(op.resource, obj.id)
        return Outcome(op.resource, obj.id, 200)

    def _duplicate(self, op, ids, present):
        relation = op.relation
        listed = ", ".join(relation.describe(i) for i in ids if i in present)
        return ApiError(400, f"Validation failed: {listed} "
                        f"{'are' if len(present) > 1 else 'is'} already in the "
                        f"{op.resource.type.rstrip('s')}'s {relation.name}.", code="duplicate_link",
                        pointer=op.pointer)

