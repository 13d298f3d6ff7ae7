"""One atomic change across a contact's tabs (``contactChange``).

A frontend saving a record edits several tabs at once. Each part of the change is the use
case its own mutation runs (``update_contact``, ``add_note``, ``add_task`` ...), with the
same rules and events, but all of them run in one unit of work: they are handed a
:class:`_Joined` view of it, whose ``commit`` only notes that the part wants its work kept.
Every part runs even after one failed, so the client gets every user error at once (paths
prefixed by the part and its index); when any part failed, nothing is committed. Events are
published by the one real commit, so a refused change is never seen live.

An ``expected_version`` is checked once, before any part, under a hold on the contact (no
one else can change it until this change commits or rolls back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from domain import notes, tasks
from domain import services as s
from domain.commands import CustomValueByKey, NewEmail, NewPhone, PointUpdate
from domain.contact import KEEP, Contact, DndChannel, EmailLabel, PhoneLabel
from domain.errors import DomainError, ErrorCode, UserError
from domain.ports import UnitOfWork
from domain.viewer import Viewer

MAX_PARTS = 100
"""Most items one change may carry (every list item counts one; `update`, `ownerId`, `dnd`
and `customFields` count one each): the transaction holds the contact while it runs."""


@dataclass(frozen=True)
class NewTask:
    """What ``contactTaskAdd`` takes, without the contact."""

    title: str | None = None
    description: str | None = None
    due_at: datetime | None = None
    assignee_id: str | None = None


@dataclass(frozen=True)
class TaskEdit:
    task_id: str
    patch: tasks.TaskPatch


@dataclass(frozen=True)
class ContactChange:
    """Everything one ``contactChange`` asks for; empty members ask for nothing. Parts run
    in the order of the members here (removals before additions, so a label or a follower
    place freed by the change can be taken in it; owner and followers, which decide who may
    see the contact, last)."""

    contact_id: str
    expected_version: int | None = None
    profile: Mapping[str, Any] = field(default_factory=dict)
    phones_remove: tuple[str, ...] = ()
    phones_update: tuple[PointUpdate, ...] = ()
    phones_add: tuple[NewPhone, ...] = ()
    emails_remove: tuple[str, ...] = ()
    emails_update: tuple[PointUpdate, ...] = ()
    emails_add: tuple[NewEmail, ...] = ()
    tags_remove: tuple[str, ...] = ()
    tags_add: tuple[str, ...] = ()
    dnd: Mapping[DndChannel, bool] = field(default_factory=dict)
    custom_values: tuple[CustomValueByKey, ...] = ()
    notes_add: tuple[str, ...] = ()
    tasks_add: tuple[NewTask, ...] = ()
    tasks_update: tuple[TaskEdit, ...] = ()
    tasks_complete: tuple[str, ...] = ()
    followers_remove: tuple[str, ...] = ()
    followers_add: tuple[str, ...] = ()
    owner_id: Any = KEEP
    """A team member's id, ``None`` for no owner, or ``KEEP``."""


@dataclass
class ContactChangeResult:
    """The contact after the change, and the tab items it added or changed, in input order."""

    contact: Contact
    notes_added: list[notes.Note] = field(default_factory=list)
    tasks_added: list[tasks.Task] = field(default_factory=list)
    tasks_updated: list[tasks.Task] = field(default_factory=list)
    tasks_completed: list[tasks.Task] = field(default_factory=list)


class _Joined:
    """The one unit of work as each part's use case sees it: entering and leaving do
    nothing (the change owns the transaction), ``commit`` only marks that the part changed
    something; everything else (repositories, ``record``, ``on_commit``) is the real one's."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.wanted_commit = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None  # the change rolls back or commits the transaction, once, for all parts

    async def commit(self) -> None:
        self.wanted_commit = True


Run = Callable[[s.Services], Awaitable[Any]]


@dataclass(frozen=True)
class _Part:
    at: tuple[str, ...]
    """Where the part sits in the input: ``("tasksAdd", "1")``."""
    run: Run
    keep: Callable[[Any], None]
    own: str | None = None
    """The member of the part's own mutation this part's input stands for (``tags`` of
    contactTagsAdd is ``tagsAdd`` here): its paths start with it, and it is replaced."""

    def place(self, error: UserError) -> UserError:
        path = error.field
        if path == ("contactId",):  # the contact itself: not the part's
            return error
        if self.own is not None and path[:1] == (self.own,):
            path = path[1:]
        return replace(error, field=(*self.at, *path))


async def apply_contact_change(
    svc: s.Services, viewer: Viewer, change: ContactChange
) -> ContactChangeResult:
    """Apply every part in one transaction, or none: all parts' user errors at once.

    A part that meets a concurrent write is run again by its own use case (``retrying``),
    inside this transaction: on PostgreSQL the contact is row-locked from the first read and
    each statement sees what has committed; on SQLite the failed write has taken the write
    lock, so the reads of the retry see the latest commit.
    """
    async with svc.uow() as uow:
        return await _apply(svc, uow, viewer, change)


async def _apply(
    svc: s.Services, uow: UnitOfWork, viewer: Viewer, change: ContactChange
) -> ContactChangeResult:
    if change.expected_version is not None:
        await uow.contacts.hold(viewer.location_id, change.contact_id)
    contact = await s.contact_for(uow, viewer.location_id, change.contact_id, viewer)
    if change.expected_version is not None and contact.version != change.expected_version:
        raise DomainError.single(
            ErrorCode.VERSION_CONFLICT,
            f"the contact is at version {contact.version}, not {change.expected_version}: "
            "it changed since it was read",
            "expectedVersion",
        )
    result = ContactChangeResult(contact)
    parts = _parts(viewer, change, result)
    if len(parts) > MAX_PARTS:
        raise DomainError.single(
            ErrorCode.LIMIT_EXCEEDED, f"one change carries at most {MAX_PARTS} items"
        )
    joined = _Joined(uow)
    one = replace(svc, uow=lambda: joined)
    errors: list[UserError] = []
    for part in parts:
        try:
            part.keep(await part.run(one))
        except DomainError as exc:
            errors.extend(part.place(e) for e in exc.errors)
    if errors:  # nothing of any part is kept: leaving raises, the transaction rolls back
        raise DomainError(list(dict.fromkeys(errors)))
    if joined.wanted_commit:  # some part changed something; a repeat commits nothing
        await uow.commit()
    return result


def _parts(viewer: Viewer, c: ContactChange, out: ContactChangeResult) -> list[_Part]:
    cid = c.contact_id
    parts: list[_Part] = []

    def call(use_case: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Run:
        return lambda svc: use_case(svc, viewer, cid, *args, **kwargs)

    def on_task(use_case: Callable[..., Awaitable[Any]], task_id: str, *args: Any) -> Run:
        async def run(svc: s.Services) -> Any:
            await _task_of_contact(svc, viewer, cid, task_id)
            return await use_case(svc, viewer, task_id, *args)

        return run

    def contact(value: Any) -> None:
        out.contact = value

    def each(
        name: str, runs: list[Run], keep: Callable[[Any], None], own: str | None = None
    ) -> None:
        parts.extend(_Part((name, str(i)), run, keep, own) for i, run in enumerate(runs))

    def whole(name: str, given: Any, run: Run, own: str | None = None) -> None:
        if given:
            parts.append(_Part((name,), run, contact, own))

    whole("update", c.profile, call(s.update_contact, dict(c.profile)))
    for kind, removed, updated, added in (
        ("phone", c.phones_remove, c.phones_update, c.phones_add),
        ("email", c.emails_remove, c.emails_update, c.emails_add),
    ):
        name = f"{kind}s"
        each(
            f"{name}Remove", [call(s.remove_point, kind, x) for x in removed], contact, f"{kind}Id"
        )
        each(f"{name}Update", [call(s.update_point, kind, x) for x in updated], contact)
        each(f"{name}Add", [_add_point(call, kind, x) for x in added], contact)
    whole("tagsRemove", c.tags_remove, call(s.remove_tags, list(c.tags_remove)), "tags")
    whole("tagsAdd", c.tags_add, call(s.add_tags, list(c.tags_add)), "tags")
    whole("dnd", c.dnd, call(s.set_dnd, dict(c.dnd)), "settings")
    values = list(c.custom_values)
    whole("customFields", values, call(s.set_custom_values, values), "values")
    each("notesAdd", [call(notes.add_note, b) for b in c.notes_add], out.notes_added.append)
    each("tasksAdd", [call(tasks.add_task, **vars(t)) for t in c.tasks_add], out.tasks_added.append)
    edits = [on_task(tasks.edit_task, e.task_id, e.patch) for e in c.tasks_update]
    each("tasksUpdate", edits, out.tasks_updated.append)
    completions = [on_task(tasks.complete_task, t) for t in c.tasks_complete]
    each("tasksComplete", completions, out.tasks_completed.append, "taskId")
    removed_ids = list(c.followers_remove)
    whole("followersRemove", removed_ids, call(s.remove_followers, removed_ids), "userIds")
    added_ids = list(c.followers_add)
    whole("followersAdd", added_ids, call(s.add_followers, added_ids), "userIds")
    whole("ownerId", c.owner_id is not KEEP, call(s.set_owner, c.owner_id), "ownerId")
    return parts


def _add_point(call: Callable[..., Run], kind: str, new: NewPhone | NewEmail) -> Run:
    if kind == "phone":
        label: Any = PhoneLabel(new.label) if new.label else None
        return call(s.add_phone, new.value, label, new.primary)
    label = EmailLabel(new.label) if new.label else None
    return call(s.add_email, new.value, label, new.primary)


async def _task_of_contact(svc: s.Services, viewer: Viewer, contact_id: str, task_id: str) -> None:
    """A change names one contact: a task of another contact is not found here."""
    async with svc.uow() as uow:
        task = await uow.tasks.get(viewer.location_id, task_id)
    if task is None or task.contact_id != contact_id:
        raise DomainError.single(
            ErrorCode.NOT_FOUND, "no task of this contact with this id", "taskId"
        )
