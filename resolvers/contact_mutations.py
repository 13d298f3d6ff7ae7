"""Writes of the contact core: each builds nothing itself, it runs one domain service."""

from __future__ import annotations

from typing import Any

from domain import commands as cmd
from domain import services as s
from domain.contact import Contact, DndChannel, EmailLabel, PhoneLabel
from resolvers.common import Info, Outcome, run_write


def _who(info: Info) -> tuple[s.Services, Any]:
    return info.context.svc, info.context.viewer


async def create(info: Info, draft: cmd.ContactDraft) -> Outcome[Contact]:
    return await run_write(info, s.create_contact(*_who(info), draft))


async def upsert(info: Info, draft: cmd.ContactDraft) -> Outcome[tuple[Contact, bool]]:
    return await run_write(info, s.upsert_contact(*_who(info), draft))


async def update(info: Info, contact_id: str, profile: dict[str, Any]) -> Outcome[Contact]:
    return await run_write(info, s.update_contact(*_who(info), contact_id, profile))


async def archive(info: Info, contact_id: str) -> Outcome[Contact]:
    return await run_write(info, s.archive_contact(*_who(info), contact_id))


async def restore(info: Info, contact_id: str) -> Outcome[Contact]:
    return await run_write(info, s.restore_contact(*_who(info), contact_id))


async def add_phone(info: Info, contact_id: str, phone: cmd.NewPhone) -> Outcome[Contact]:
    label = PhoneLabel(phone.label) if phone.label else None
    return await run_write(
        info, s.add_phone(*_who(info), contact_id, phone.value, label, phone.primary)
    )


async def add_email(info: Info, contact_id: str, email: cmd.NewEmail) -> Outcome[Contact]:
    label = EmailLabel(email.label) if email.label else None
    return await run_write(
        info, s.add_email(*_who(info), contact_id, email.value, label, email.primary)
    )


async def update_point(
    info: Info, contact_id: str, kind: str, update_: cmd.PointUpdate
) -> Outcome[Contact]:
    return await run_write(info, s.update_point(*_who(info), contact_id, kind, update_))


async def set_primary(info: Info, contact_id: str, kind: str, point_id: str) -> Outcome[Contact]:
    return await run_write(info, s.set_primary_point(*_who(info), contact_id, kind, point_id))


async def remove_point(info: Info, contact_id: str, kind: str, point_id: str) -> Outcome[Contact]:
    return await run_write(info, s.remove_point(*_who(info), contact_id, kind, point_id))


async def add_tags(info: Info, contact_id: str, tags: list[str]) -> Outcome[Contact]:
    return await run_write(info, s.add_tags(*_who(info), contact_id, tags))


async def remove_tags(info: Info, contact_id: str, tags: list[str]) -> Outcome[Contact]:
    return await run_write(info, s.remove_tags(*_who(info), contact_id, tags))


async def set_owner(info: Info, contact_id: str, owner_id: str | None) -> Outcome[Contact]:
    return await run_write(info, s.set_owner(*_who(info), contact_id, owner_id))


async def add_followers(info: Info, contact_id: str, user_ids: list[str]) -> Outcome[Contact]:
    return await run_write(info, s.add_followers(*_who(info), contact_id, user_ids))


async def remove_followers(info: Info, contact_id: str, user_ids: list[str]) -> Outcome[Contact]:
    return await run_write(info, s.remove_followers(*_who(info), contact_id, user_ids))


async def set_dnd(
    info: Info, contact_id: str, settings: dict[DndChannel, bool]
) -> Outcome[Contact]:
    return await run_write(info, s.set_dnd(*_who(info), contact_id, settings))


async def set_custom_values(
    info: Info, contact_id: str, values: list[cmd.CustomValueByKey]
) -> Outcome[Contact]:
    return await run_write(info, s.set_custom_values(*_who(info), contact_id, values))
