"""How many link rows each parent has, per link table and parent column: the member counter cache.

Database triggers on the link tables keep the counters (migration 0011_member_counts) in the transaction of
every write, whatever writes the rows: the processor, Core bulk inserts (a manifest import, the benchmarks'
seeding), foreign-key cascades. A parent without link rows has no counter row. docs/decisions.md says why
triggers and which relations are counted.
"""
from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

ParentId = BigInteger().with_variant(Integer(), "sqlite")

# link table → its counted parent columns: the link tables of the to-many relations a write may change
# (relations read only from this side, such as a subject's collections, are not counted: their parents are
# not locked by the writes that change them, and a collection's deletion would update every subject's
# counter). tests/test_member_counts.py checks this equals what the resource declarations give, and that the
# migrated database has the triggers for each.
COUNTED = {
    "collection_subjects": ("collection_id",),
    "image_set_images": ("image_set_id",),
    "image_set_languages": ("image_set_id",),
    "memberships": ("user_group_id",),
    "set_items": ("set_id",),
    "set_version_items": ("version_id",),
}


def counter_key(column):
    """The counter rows' ``relation`` value of a link table's parent column, or None when it is not counted."""
    key = f"{column.table.name}.{column.name}"
    return key if column.name in COUNTED.get(column.table.name, ()) else None


class MemberCount(db.Model):
    __tablename__ = "member_counts"
    relation: Mapped[str] = mapped_column(String(100), primary_key=True)   # "<link table>.<parent column>"
    parent_id: Mapped[int] = mapped_column(ParentId, primary_key=True, autoincrement=False)
    members: Mapped[int] = mapped_column(ParentId, nullable=False)
