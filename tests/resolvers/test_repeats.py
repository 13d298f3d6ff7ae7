"""Doing the same thing twice (README, "Doing the same thing twice"), one test per family.

A mutation names the state it wants. When that state already holds, the repeat succeeds,
returns the object as it is, commits no transaction (the contact's version and `updatedAt`
stay) and records no event (audit log, timeline and broker unchanged). A delete of what is
gone is NOT_FOUND, and changes nothing either. Creating an item with no natural identity
(a note, a task) makes a second one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from support import Tenant
from webhook_support import scan_all

from domain.events import ContactEvent
from persistence.tables import CONTACT
from server.seed_tabs import demo_pdf

FOOTPRINT = """query($id: ID!) { contact(id: $id) { updatedAt
  auditLog(first: 1) { totalCount } activity(first: 1) { totalCount } } }"""
ID_ONLY = "contact { id updatedAt }"


@dataclass
class Repeat:
    """Runs a mutation twice-over and checks what the second run must (not) do."""

    tenant: Tenant
    engine: AsyncEngine
    published: list[ContactEvent] = field(default_factory=list)

    async def footprint(self, contact_id: str | None) -> tuple[Any, ...]:
        """What any write to the contact moves: its version, `updatedAt`, and the number
        of audit-log entries and timeline items."""
        if contact_id is None:
            return ()
        data = await self.tenant.gql(FOOTPRINT, {"id": contact_id})
        async with self.engine.connect() as conn:
            version = (
                await conn.execute(select(CONTACT.c.version).where(CONTACT.c.id == contact_id))
            ).scalar_one()
        c = data["contact"]
        return version, c["updatedAt"], c["auditLog"]["totalCount"], c["activity"]["totalCount"]

    @contextmanager
    def _nothing_committed(self) -> Iterator[None]:
        commits: list[object] = []

        def on_commit(conn: object) -> None:
            commits.append(conn)

        published = len(self.published)
        event.listen(self.engine.sync_engine, "commit", on_commit)
        try:
            yield
        finally:
            event.remove(self.engine.sync_engine, "commit", on_commit)
        assert commits == [], "a repeat must not commit a transaction"
        assert self.published[published:] == [], "a repeat must not publish an event"

    async def holds(
        self,
        mutation: str,
        input: dict[str, Any],
        contact_id: str | None,
        selection: str = ID_ONLY,
    ) -> dict[str, Any]:
        """The state ``input`` names holds already: success, and nothing changes."""
        before = await self.footprint(contact_id)
        with self._nothing_committed():
            payload = await self.tenant.mutate(mutation, input, selection=selection)
        assert payload["userErrors"] == [], (mutation, payload["userErrors"])
        assert await self.footprint(contact_id) == before, mutation
        return payload

    async def gone(
        self,
        mutation: str,
        input: dict[str, Any],
        contact_id: str | None,
        path: Sequence[str],
        selection: str = ID_ONLY,
    ) -> dict[str, Any]:
        """The target was deleted (or never was): NOT_FOUND, and nothing changes."""
        before = await self.footprint(contact_id)
        with self._nothing_committed():
            payload = await self.tenant.mutate(mutation, input, selection=selection)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", *path], "NOT_FOUND")
        ], mutation
        assert await self.footprint(contact_id) == before, mutation
        return payload

    async def ok(
        self, mutation: str, input: dict[str, Any], selection: str = ID_ONLY
    ) -> dict[str, Any]:
        """The first run, which does change something."""
        payload = await self.tenant.mutate(mutation, input, selection=selection)
        assert payload["userErrors"] == [], (mutation, payload["userErrors"])
        return payload


@pytest.fixture
async def repeat(
    tenant: Tenant, engine: AsyncEngine, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> Repeat:
    """Also records what the broker is handed after each commit (the live events)."""
    watch = Repeat(tenant, engine)
    broker = app.state.runtime.broker
    publish = broker.publish

    async def recording(events: Sequence[ContactEvent]) -> None:
        watch.published.extend(e for e in events if e.location_id == tenant.location_id)
        await publish(events)

    monkeypatch.setattr(broker, "publish", recording)
    return watch


async def test_the_watch_sees_a_real_change(repeat: Repeat, tenant: Tenant) -> None:
    """The checks can fail: a change commits, moves the footprint and publishes."""
    c = await tenant.create_contact(firstName="Rita")
    before = await repeat.footprint(c["id"])
    with pytest.raises(AssertionError, match="commit"):
        await repeat.holds("contactTagsAdd", {"contactId": c["id"], "tags": ["new"]}, c["id"])
    assert await repeat.footprint(c["id"]) != before
    assert [e.kind.value for e in repeat.published] == ["CONTACT_CREATED", "TAGS_ADDED"]


# -- the contact core ------------------------------------------------------------------------


async def test_contact_fields_archive_restore_and_upsert(repeat: Repeat, tenant: Tenant) -> None:
    draft = {"firstName": "Rita", "emails": [{"address": "rita@example.org"}], "tags": ["vip"]}
    c = await tenant.create_contact(**draft)
    cid = c["id"]
    await repeat.holds("contactUpdate", {"contactId": cid, "firstName": "Rita"}, cid)
    await repeat.holds("contactRestore", {"contactId": cid}, cid)  # it is active
    await repeat.ok("contactArchive", {"contactId": cid})
    archived = await repeat.holds(
        "contactArchive", {"contactId": cid}, cid, "contact { archivedAt }"
    )
    assert archived["contact"]["archivedAt"] is not None
    await repeat.ok("contactRestore", {"contactId": cid})
    await repeat.holds("contactRestore", {"contactId": cid}, cid)
    upserted = await repeat.holds(
        "contactUpsert", {**draft, "emails": [{"address": "RITA@example.org"}]}, cid, "created"
    )
    assert upserted["created"] is False
    # a contact has no natural identity: contactCreate twice makes two (contactUpsert matches)
    twin = await tenant.create_contact(**draft)
    assert twin["id"] != cid


async def test_tags_followers_owner_and_dnd(repeat: Repeat, tenant: Tenant) -> None:
    followers = [f"user-{i}" for i in range(10)]  # the cap: adding one of them is no change
    c = await tenant.create_contact(
        tags=["vip", "lead"],
        ownerId="user-ann",
        followerIds=followers,
        dnd=[{"channel": "SMS", "enabled": True}],
    )
    cid = c["id"]
    for mutation, input in (
        ("contactTagsAdd", {"tags": ["VIP ", "lead"]}),
        ("contactTagsRemove", {"tags": ["never-there"]}),
        ("contactFollowersAdd", {"userIds": ["user-3", "user-9"]}),
        ("contactFollowersRemove", {"userIds": ["user-99"]}),
        ("contactOwnerSet", {"ownerId": "user-ann"}),
        ("contactDndSet", {"settings": [{"channel": "SMS", "enabled": True}]}),
        ("contactDndSet", {"settings": [{"channel": "EMAIL", "enabled": False}]}),
    ):
        payload = await repeat.holds(mutation, {"contactId": cid, **input}, cid, "contact { tags }")
        assert payload["contact"]["tags"] == ["vip", "lead"]
    owner = await repeat.ok("contactOwnerSet", {"contactId": cid, "ownerId": None})
    assert owner["contact"]["id"] == cid
    await repeat.holds("contactOwnerSet", {"contactId": cid, "ownerId": None}, cid)


async def test_phones_and_emails_already_on_the_contact(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(
        phones=[{"number": "+14155550100", "label": "MOBILE"}, {"number": "+14155550101"}],
        emails=[{"address": "a@example.org", "label": "WORK"}, {"address": "b@example.org"}],
    )
    cid = c["id"]
    (mobile, other), (work, _) = c["phones"], c["emails"]
    points = (
        "contact { phones { id number label isPrimary } emails { id address label isPrimary } }"
    )
    # the same number in another format, the same address in another case: the existing
    # entry stays as it is, label and primary flag included (the update mutations change those)
    for mutation, input in (
        ("contactPhoneAdd", {"number": "(415) 555-0101", "label": "WORK", "primary": True}),
        ("contactEmailAdd", {"address": "B@EXAMPLE.org", "label": "HOME", "primary": True}),
        ("contactPhoneSetPrimary", {"phoneId": mobile["id"]}),
        ("contactEmailSetPrimary", {"emailId": work["id"]}),
        ("contactPhoneUpdate", {"phoneId": other["id"], "number": "415 555 0101"}),
        ("contactEmailUpdate", {"emailId": work["id"], "label": "WORK"}),
    ):
        payload = await repeat.holds(mutation, {"contactId": cid, **input}, cid, points)
        assert payload["contact"]["phones"] == c["phones"]
        assert payload["contact"]["emails"] == c["emails"]
    # a draft that names one number twice keeps it once
    twice = await tenant.create_contact(
        phones=[{"number": "+14155550150", "label": "HOME"}, {"number": "(415) 555-0150"}]
    )
    assert [(p["number"], p["label"]) for p in twice["phones"]] == [("+14155550150", "HOME")]
    # removing by id what is gone is NOT_FOUND
    await repeat.ok("contactPhoneRemove", {"contactId": cid, "phoneId": other["id"]})
    await repeat.gone(
        "contactPhoneRemove", {"contactId": cid, "phoneId": other["id"]}, cid, ["phoneId"]
    )


async def test_custom_fields_and_their_values(repeat: Repeat, tenant: Tenant) -> None:
    definition = {"key": "tier", "name": "Tier", "dataType": "SINGLE_OPTION", "options": ["A", "B"]}
    selection = "customField { id key name options }"
    created = (await repeat.ok("customFieldCreate", definition, selection))["customField"]
    again = await repeat.holds("customFieldCreate", definition, None, selection)
    assert again["customField"] == created
    other = await tenant.mutate(
        "customFieldCreate", {**definition, "name": "Level"}, selection=selection
    )
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        (["input", "key"], "DUPLICATE")
    ]
    same = {"id": created["id"], "name": "Tier", "options": ["A", "B"]}
    assert (await repeat.holds("customFieldUpdate", same, None, selection))[
        "customField"
    ] == created

    c = await tenant.create_contact(customFields=[{"key": "tier", "value": {"option": "A"}}])
    values = {"contactId": c["id"], "values": [{"key": "tier", "value": {"option": "A"}}]}
    await repeat.holds("contactCustomFieldValuesSet", values, c["id"])
    cleared = {"contactId": c["id"], "values": [{"key": "tier", "value": None}]}
    await repeat.ok("contactCustomFieldValuesSet", cleared)
    await repeat.holds("contactCustomFieldValuesSet", cleared, c["id"])

    await repeat.ok("customFieldDelete", {"id": created["id"]}, selection)
    await repeat.gone("customFieldDelete", {"id": created["id"]}, None, ["id"], selection)


# -- tabs --------------------------------------------------------------------------------------


async def test_notes(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Noted")
    cid = c["id"]
    selection = "note { id body updatedAt }"
    add = {"contactId": cid, "body": "Called"}
    first = (await repeat.ok("contactNoteAdd", add, selection))["note"]
    second = (await repeat.ok("contactNoteAdd", add, selection))["note"]
    assert first["id"] != second["id"]  # no natural identity: two notes
    edit = {"noteId": first["id"], "body": " Called "}
    assert (await repeat.holds("contactNoteUpdate", edit, cid, selection))["note"] == first
    await repeat.ok("contactNoteDelete", {"noteId": first["id"]}, selection)
    await repeat.gone("contactNoteDelete", {"noteId": first["id"]}, cid, ["noteId"], selection)
    await repeat.gone("contactNoteUpdate", edit, cid, ["noteId"], selection)


async def test_documents(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Filed")
    cid = c["id"]
    selection = "document { id name folder updatedAt }"
    pdf = demo_pdf("repeat")
    uploads = [await tenant.upload({"contactId": cid}, [("a.pdf", pdf)]) for _ in range(2)]
    first, second = (u.json()["data"]["contactDocumentsUpload"]["documents"][0] for u in uploads)
    assert first["id"] != second["id"]  # files have no natural identity: two documents
    doc = {"documentId": first["id"]}
    named = await repeat.holds("contactDocumentRename", {**doc, "name": " a.pdf "}, cid, selection)
    assert named["document"]["name"] == "a.pdf"
    await repeat.holds("contactDocumentMove", {**doc, "folder": "INTERNAL"}, cid, selection)
    await repeat.ok("contactDocumentDelete", doc, selection)
    await repeat.gone("contactDocumentDelete", doc, cid, ["documentId"], selection)
    await repeat.gone("contactDocumentRename", {**doc, "name": "b"}, cid, ["documentId"], selection)
    await repeat.gone(
        "contactDocumentMove", {**doc, "folder": "SENT"}, cid, ["documentId"], selection
    )


async def test_tasks(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Tasked")
    cid = c["id"]
    selection = "task { id title status completedAt updatedAt }"
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    add = {"contactId": cid, "title": "Call back", "dueAt": due, "assigneeId": "user-ann"}
    task = (await repeat.ok("contactTaskAdd", add, selection))["task"]
    assert (await repeat.ok("contactTaskAdd", add, selection))["task"]["id"] != task["id"]
    tid = {"taskId": task["id"]}
    await repeat.holds("contactTaskReopen", tid, cid, selection)
    await repeat.holds("contactTaskUpdate", {**tid, "title": "Call back"}, cid, selection)
    done = (await repeat.ok("contactTaskComplete", tid, selection))["task"]
    assert (await repeat.holds("contactTaskComplete", tid, cid, selection))["task"] == done
    await repeat.ok("contactTaskDelete", tid, selection)
    await repeat.gone("contactTaskDelete", tid, cid, ["taskId"], selection)


async def test_workflows(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Enrolled")
    cid = c["id"]
    selection = "enrollment { id workflowName state enrolledAt endedAt endReason }"
    ref = {"contactId": cid, "workflowId": "wf-1"}
    enrolled = (
        await repeat.ok("contactWorkflowEnroll", {**ref, "workflowName": "Drip"}, selection)
    )["enrollment"]
    again = await repeat.holds(
        "contactWorkflowEnroll", {**ref, "workflowName": "Drip v2"}, cid, selection
    )
    assert again["enrollment"] == enrolled
    stopped = (await repeat.ok("contactWorkflowStop", ref, selection))["enrollment"]
    assert (await repeat.holds("contactWorkflowStop", ref, cid, selection))["enrollment"] == stopped
    refused = await tenant.mutate("contactWorkflowComplete", ref, selection=selection)
    assert [e["code"] for e in refused["userErrors"]] == ["CONFLICT"]


async def test_client_portal(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Member")
    cid = c["id"]
    offer = {"contactId": cid, "offerId": "offer-1"}
    group = {"contactId": cid, "groupId": "group-1"}
    await repeat.holds("contactCourseOfferRevoke", offer, cid)
    await repeat.holds("contactCommunityGroupRemove", group, cid)
    await repeat.ok("contactCourseOfferGrant", {**offer, "offerName": "Yoga"})
    await repeat.ok("contactCommunityGroupAssign", {**group, "groupName": "Runners"})
    granted = await repeat.holds(
        "contactCourseOfferGrant",
        {**offer, "offerName": "Yoga 2"},
        cid,
        "courseOffer { offerName }",
    )
    assert granted["courseOffer"] == {"offerName": "Yoga"}
    await repeat.holds("contactCommunityGroupAssign", {**group, "groupName": "Other"}, cid)


async def test_interactions_and_attribution(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Visitor")
    cid = c["id"]
    visit = {
        "contactId": cid,
        "externalId": "evt-1",
        "kind": "WEBSITE_VISIT",
        "occurredAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "websiteVisit": {"pageUrl": "https://shop.example.com/"},
    }
    selection = "interaction { id } duplicate"
    first = await repeat.ok("contactInteractionRecord", visit, selection)
    again = await repeat.holds("contactInteractionRecord", visit, cid, selection)
    assert (again["interaction"], again["duplicate"]) == (first["interaction"], True)
    await repeat.ok("contactAttributionReset", {"contactId": cid})
    await repeat.holds("contactAttributionReset", {"contactId": cid}, cid)


async def test_smart_lists(repeat: Repeat, tenant: Tenant) -> None:
    selection = "smartList { id name updatedAt }"
    input = {
        "name": "Hot leads",
        "filter": {"tags": {"any": ["hot"]}},
        "orderBy": {"field": "LAST_NAME", "direction": "ASC"},
    }
    made = (await repeat.ok("smartListCreate", input, selection))["smartList"]
    assert (await repeat.holds("smartListCreate", input, None, selection))["smartList"] == made
    other = await tenant.mutate(
        "smartListCreate", {**input, "name": "HOT LEADS", "filter": None}, selection=selection
    )
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        (["input", "name"], "DUPLICATE")
    ]
    same = {"id": made["id"], "name": "Hot leads", "filter": input["filter"]}
    assert (await repeat.holds("smartListUpdate", same, None, selection))["smartList"] == made
    await repeat.ok("smartListDelete", {"id": made["id"]}, selection)
    await repeat.gone("smartListDelete", {"id": made["id"]}, None, ["id"], selection)


NY = ZoneInfo("America/New_York")


def tomorrow(hour: int) -> str:
    day = datetime.now(NY).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY).isoformat()


async def test_calendars_and_appointments(repeat: Repeat, tenant: Tenant) -> None:
    calendar_selection = "calendar { id name slotMinutes updatedAt }"
    settings = {
        "name": "Consultations",
        "timeZone": "America/New_York",
        "slotMinutes": 30,
        "availability": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in WEEK],
        "teamMemberIds": ["ann", "bob"],
    }
    cal = (await repeat.ok("calendarCreate", settings, calendar_selection))["calendar"]
    same = {"id": cal["id"], **settings}
    assert (await repeat.holds("calendarUpdate", same, None, calendar_selection))["calendar"] == cal

    c = await tenant.create_contact(firstName="Booked")
    cid = c["id"]
    selection = "appointment { id status title startAt teamMember { id } cancelledAt }"
    book = {"contactId": cid, "calendarId": cal["id"], "start": tomorrow(10), "type": "MEETING"}
    first = (await repeat.ok("contactAppointmentBook", book, selection))["appointment"]
    # no natural identity: booking again books the other free member, then the slot is full
    second = (await repeat.ok("contactAppointmentBook", book, selection))["appointment"]
    assert {first["teamMember"]["id"], second["teamMember"]["id"]} == {"ann", "bob"}
    full = await tenant.mutate("contactAppointmentBook", book, selection=selection)
    assert [e["code"] for e in full["userErrors"]] == ["SLOT_UNAVAILABLE"]

    aid = {"appointmentId": first["id"]}
    unchanged = {**aid, "title": first["title"], "start": tomorrow(10), "status": first["status"]}
    assert (await repeat.holds("contactAppointmentUpdate", unchanged, cid, selection))[
        "appointment"
    ] == first
    cancelled = (await repeat.ok("contactAppointmentCancel", aid, selection))["appointment"]
    assert (await repeat.holds("contactAppointmentCancel", aid, cid, selection))[
        "appointment"
    ] == cancelled
    same_status = {**aid, "title": first["title"], "status": "CANCELLED"}
    await repeat.holds("contactAppointmentUpdate", same_status, cid, selection)
    moved = await tenant.mutate(
        "contactAppointmentUpdate", {**aid, "start": tomorrow(11)}, selection=selection
    )
    assert [(e["field"], e["code"]) for e in moved["userErrors"]] == [
        (["input", "appointmentId"], "INVALID_VALUE")
    ]
    await repeat.gone(
        "contactAppointmentCancel", {"appointmentId": "missing"}, cid, ["appointmentId"], selection
    )

    empty = (await repeat.ok("calendarCreate", settings, calendar_selection))["calendar"]
    assert empty["id"] != cal["id"]  # no natural identity: two calendars
    await repeat.ok("calendarDelete", {"id": empty["id"]}, calendar_selection)
    await repeat.gone("calendarDelete", {"id": empty["id"]}, None, ["id"], calendar_selection)


WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


async def test_associations_and_their_labels(repeat: Repeat, tenant: Tenant) -> None:
    label_selection = "label { id name inverseName objectType }"
    parent = {"name": "Parent", "inverseName": "Child", "objectType": "CONTACT"}
    label = (await repeat.ok("contactAssociationLabelCreate", parent, label_selection))["label"]
    again = await repeat.holds("contactAssociationLabelCreate", parent, None, label_selection)
    assert again["label"] == label
    clash = await tenant.mutate(
        "contactAssociationLabelCreate", {**parent, "inverseName": None}, selection=label_selection
    )
    assert [e["code"] for e in clash["userErrors"]] == ["DUPLICATE"]
    rename = {"id": label["id"], "name": "Parent", "inverseName": "Child"}
    await repeat.holds("contactAssociationLabelUpdate", rename, None, label_selection)

    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    selection = "association { id labels { name } }"
    link = {"contactId": ann["id"], "targetId": bob["id"], "targetType": "CONTACT"}
    made = (
        await repeat.ok("contactAssociationAdd", {**link, "labelIds": [label["id"]]}, selection)
    )["association"]
    # the same pair again, from either side: the link as it is, with its own labels
    assert (await repeat.holds("contactAssociationAdd", link, ann["id"], selection))[
        "association"
    ] == made
    backwards = {"contactId": bob["id"], "targetId": ann["id"], "targetType": "CONTACT"}
    bobs = (await repeat.holds("contactAssociationAdd", backwards, bob["id"], selection))[
        "association"
    ]
    assert bobs["labels"] == [{"name": "Child"}]
    side = {"associationId": made["id"]}
    for mutation, ids in (
        ("contactAssociationLabelsAdd", [label["id"]]),
        ("contactAssociationLabelsSet", [label["id"]]),
        ("contactAssociationLabelsRemove", ["not-on-it"]),
    ):
        payload = await repeat.holds(mutation, {**side, "labelIds": ids}, ann["id"], selection)
        assert payload["association"] == made
    await repeat.ok("contactAssociationRemove", side, selection)
    await repeat.gone("contactAssociationRemove", side, ann["id"], ["associationId"], selection)

    deal = await repeat.ok(
        "contactOpportunityCreate",
        {"contactId": ann["id"], "name": "Renewal", "pipelineId": "sales", "stage": "proposal"},
        "association { record { ... on Opportunity { id } } }",
    )
    opportunity_id = deal["association"]["record"]["id"]
    await repeat.holds(
        "opportunityUpdate",
        {"id": opportunity_id, "stage": "proposal", "name": "Renewal"},
        ann["id"],
        "opportunity { id stage }",
    )
    await repeat.ok("contactAssociationLabelDelete", {"id": label["id"]}, label_selection)
    await repeat.gone(
        "contactAssociationLabelDelete", {"id": label["id"]}, None, ["id"], label_selection
    )


async def test_pictures(repeat: Repeat, tenant: Tenant) -> None:
    """The same image again (under any file name) is the picture it is; removing a picture
    that is not there is no change."""
    out = io.BytesIO()
    Image.new("RGB", (90, 60), (10, 120, 200)).save(out, format="PNG")
    c = await tenant.create_contact(firstName="Pictured")
    first = await tenant.upload_picture(c["id"], out.getvalue())
    assert first["userErrors"] == []
    before = await repeat.footprint(c["id"])
    with repeat._nothing_committed():
        again = await tenant.upload_picture(c["id"], out.getvalue(), filename="renamed.png")
    assert again["userErrors"] == []
    assert again["contact"]["picture"]["updatedAt"] == first["contact"]["picture"]["updatedAt"]
    assert await repeat.footprint(c["id"]) == before
    await repeat.ok("contactPictureRemove", {"contactId": c["id"]})
    await repeat.holds("contactPictureRemove", {"contactId": c["id"]}, c["id"])


async def test_webhook_endpoints_and_deliveries(repeat: Repeat, tenant: Tenant) -> None:
    """An update to what the endpoint has is no change; a redelivery of a delivery already
    due is none either; a delete of what is gone is NOT_FOUND. (A create makes a new one
    every time, a rotation a new secret every time.)"""
    selection = "webhookEndpoint { id url eventKinds enabled updatedAt }"
    made = await repeat.ok(
        "webhookEndpointCreate",
        {"url": "https://hooks.example.com/in", "eventKinds": ["NOTE_ADDED"]},
        selection,
    )
    endpoint = made["webhookEndpoint"]
    same = {"id": endpoint["id"], "url": endpoint["url"], "eventKinds": ["NOTE_ADDED"]}
    held = await repeat.holds("webhookEndpointUpdate", {**same, "enabled": True}, None, selection)
    assert held["webhookEndpoint"] == endpoint
    c = await tenant.create_contact(firstName="Hooked")
    await tenant.mutate("contactNoteAdd", {"contactId": c["id"], "body": "hi"}, "note { id }")
    await scan_all(repeat.engine)
    data = await tenant.gql(
        "query($id: ID!) { webhookEndpoint(id: $id) { deliveries { edges { node { id } } } } }",
        {"id": endpoint["id"]},
    )
    (edge,) = data["webhookEndpoint"]["deliveries"]["edges"]
    pending = {"id": edge["node"]["id"]}
    await repeat.holds("webhookDeliveryRetry", pending, None, "webhookDelivery { id status }")
    await repeat.ok("webhookEndpointDelete", {"id": endpoint["id"]}, selection)
    await repeat.gone("webhookEndpointDelete", {"id": endpoint["id"]}, None, ["id"], selection)
    await repeat.gone("webhookEndpointUpdate", same, None, ["id"], selection)
    await repeat.gone(
        "webhookEndpointSecretRotate", {"id": endpoint["id"]}, None, ["id"], selection
    )
    await repeat.gone("webhookDeliveryRetry", pending, None, ["id"], "webhookDelivery { id }")


async def test_contact_merge(repeat: Repeat, tenant: Tenant) -> None:
    """A merge already done (this duplicate into this survivor) returns the survivor; the
    duplicate's id then reads as the survivor."""
    survivor = await tenant.create_contact(firstName="Ann", tags=["vip"])
    duplicate = await tenant.create_contact(firstName="Annie", tags=["lead"])
    merge = {"survivorId": survivor["id"], "duplicateId": duplicate["id"]}
    selection = "contact { id tags } duplicateId droppedLabels { label }"
    first = await repeat.ok("contactMerge", merge, selection)
    again = await repeat.holds("contactMerge", merge, survivor["id"], selection)
    assert again == first
    assert again["contact"] == {"id": survivor["id"], "tags": ["vip", "lead"]}


async def test_contact_change(repeat: Repeat, tenant: Tenant) -> None:
    """An empty change, and one whose every part already holds (with the version the
    client read), commit nothing; its notes and tasks, with no natural identity, are new."""
    c = await tenant.create_contact(
        firstName="Rita",
        phones=[{"number": "+14155550100", "label": "MOBILE"}],
        emails=[{"address": "rita@example.org"}],
        tags=["vip"],
        ownerId="user-ann",
        followerIds=["user-2"],
        dnd=[{"channel": "SMS", "enabled": True}],
    )
    cid, phone = c["id"], c["phones"][0]
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    add = {"contactId": cid, "title": "Call back", "dueAt": due, "assigneeId": "user-ann"}
    task = (await repeat.ok("contactTaskAdd", add, "task { id }"))["task"]
    await repeat.ok("contactTaskComplete", {"taskId": task["id"]}, "task { id }")
    version = (await repeat.footprint(cid))[0]
    selection = "contact { id version tags } tasksCompleted { id status }"
    await repeat.holds("contactChange", {"contactId": cid}, cid, selection)
    held = await repeat.holds(
        "contactChange",
        {
            "contactId": cid,
            "expectedVersion": version,
            "update": {"firstName": "Rita"},
            "phonesUpdate": [{"phoneId": phone["id"], "label": "MOBILE"}],
            "phonesAdd": [{"number": "(415) 555-0100"}],
            "emailsAdd": [{"address": "RITA@example.org"}],
            "tagsAdd": ["VIP"],
            "tagsRemove": ["never-there"],
            "dnd": [{"channel": "SMS", "enabled": True}],
            "tasksUpdate": [{"taskId": task["id"], "title": "Call back"}],
            "tasksComplete": [task["id"]],
            "followersAdd": ["user-2"],
            "followersRemove": ["user-99"],
            "ownerId": "user-ann",
        },
        cid,
        selection,
    )
    assert held["contact"] == {"id": cid, "version": version, "tags": ["vip"]}
    assert held["tasksCompleted"] == [{"id": task["id"], "status": "COMPLETED"}]
    note = {"contactId": cid, "notesAdd": [{"body": "hello"}]}
    selection = "notesAdded { id }"
    first = (await repeat.ok("contactChange", note, selection))["notesAdded"]
    assert (await repeat.ok("contactChange", note, selection))["notesAdded"] != first


async def test_payments(repeat: Repeat, tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Paying")
    cid = c["id"]
    card_sel = "paymentMethod { id label providerId }"
    add = {"contactId": cid, "paymentMethod": "pm_card_visa"}
    card = (await repeat.ok("contactPaymentMethodAdd", add, card_sel))["paymentMethod"]
    again = {"contactId": cid, "paymentMethod": card["providerId"]}  # the same card, again
    assert (await repeat.holds("contactPaymentMethodAdd", again, cid, card_sel))[
        "paymentMethod"
    ] == card
    label = {"paymentMethodId": card["id"], "label": "Main"}
    await repeat.ok("contactPaymentMethodUpdate", label, card_sel)
    await repeat.holds("contactPaymentMethodUpdate", {**label, "label": " Main "}, cid, card_sel)
    charge = {
        "contactId": cid,
        "amount": 100,
        "currency": "USD",
        "description": "Once",
        "paymentMethodId": card["id"],
        "idempotencyKey": "repeat-1",
    }
    pay_sel = "payment { id status }"
    paid = (await repeat.ok("contactCharge", charge, pay_sel))["payment"]
    assert (await repeat.holds("contactCharge", charge, cid, pay_sel))["payment"] == paid
    items = [{"name": "Plan", "amount": 100, "interval": "MONTH"}]
    sub = {
        "contactId": cid,
        "currency": "USD",
        "items": items,
        "paymentMethodId": card["id"],
        "idempotencyKey": "sub-1",
    }
    sub_sel = "subscription { id status }"
    made = (await repeat.ok("contactSubscriptionCreate", sub, sub_sel))["subscription"]
    assert (await repeat.holds("contactSubscriptionCreate", sub, cid, sub_sel))[
        "subscription"
    ] == made
    stop = {"subscriptionId": made["id"]}
    await repeat.ok("contactSubscriptionCancel", stop, sub_sel)
    await repeat.holds("contactSubscriptionCancel", stop, cid, sub_sel)
    inv_sel = "invoice { id status }"
    parts = {"currency": "USD", "items": [{"description": "Work", "unitAmount": 500}]}
    inv = (await repeat.ok("contactInvoiceCreate", {"contactId": cid, "invoice": parts}, inv_sel))[
        "invoice"
    ]
    ref = {"invoiceId": inv["id"]}
    await repeat.holds("contactInvoiceUpdate", {**ref, "invoice": parts}, cid, inv_sel)
    await repeat.ok("contactInvoiceVoid", ref, inv_sel)
    await repeat.holds("contactInvoiceVoid", ref, cid, inv_sel)
    await repeat.ok("contactPaymentMethodDelete", {"paymentMethodId": card["id"]}, card_sel)
    await repeat.gone(
        "contactPaymentMethodDelete",
        {"paymentMethodId": card["id"]},
        cid,
        ["paymentMethodId"],
        card_sel,
    )
