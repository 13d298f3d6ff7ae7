"""What a user restricted to assigned data may not see reaches them through no event view.

A contact named by an event on a contact they do see (the other end of a link, from either
side; a guest of an appointment) is left out of every timeline item type, every audit-log
change and every live event (domain/visibility.py), while an admin sees it. The timeline is
selected with every field of every `ContactActivity` implementation, read from the schema,
and the scenario records every `EventKind`: a new item type or event kind is covered, or
this fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from graphql import GraphQLInterfaceType
from images import jpeg
from stripe_server import card_payment_method, stripe_event, stripe_signature
from support import Tenant, every_field, graphql_schema, ok, open_calendar

from domain.events import EventKind
from domain.viewer import Viewer
from domain.visibility import CONTACT_REFERENCES

HIDDEN_NAME = ("Zebulon", "Hiddenfield")
HIDDEN_LABELS = ("Mentorship", "Protegeship", "Confidant")
"""Names that occur nowhere but on the links to the hidden contact."""
FALLBACK_TYPES = {"ContactOtherActivity"}
"""Built only for an event kind no tab gives a type of its own: none does today."""

RECORD = f"""query($id: ID!) {{ contact(id: $id) {{
  activity(first: 100) {{ totalCount edges {{ cursor node {every_field("ContactActivity", 3)} }} }}
  auditLog(first: 100) {{ totalCount edges {{ cursor node {every_field("ContactAuditEvent")} }} }}
}} }}"""


@dataclass
class Scenario:
    """Every kind of event on ``seen`` (the restricted user's), naming ``hidden`` (not
    theirs) wherever an event can name a contact."""

    seen: str
    hidden: str
    guest: str
    restricted: Viewer


async def label(t: Tenant, name: str, inverse: str | None = None) -> str:
    made = ok(
        await t.mutate(
            "contactAssociationLabelCreate",
            {"name": name, "inverseName": inverse, "objectType": "CONTACT"},
            selection="label { id }",
        )
    )
    label_id: str = made["label"]["id"]
    return label_id


async def link(t: Tenant, contact_id: str, target_id: str, label_ids: list[str]) -> str:
    made = ok(
        await t.mutate(
            "contactAssociationAdd",
            {
                "contactId": contact_id,
                "targetId": target_id,
                "targetType": "CONTACT",
                "labelIds": label_ids,
            },
            selection="association { id }",
        )
    )
    association_id: str = made["association"]["id"]
    return association_id


async def core_changes(t: Tenant, cid: str) -> None:
    """CONTACT_*, PHONE_*, EMAIL_*, TAGS_*, OWNER_CHANGED, FOLLOWERS_*, DND, custom fields."""
    ok(
        await t.mutate(
            "customFieldCreate",
            {"key": "score", "name": "Score", "dataType": "NUMBER"},
            selection="customField { id }",
        )
    )
    ok(await t.mutate("contactUpdate", {"contactId": cid, "lastName": "Seen"}))
    ok(await t.mutate("contactArchive", {"contactId": cid}))
    ok(await t.mutate("contactRestore", {"contactId": cid}))
    phone = ok(await t.mutate("contactPhoneAdd", {"contactId": cid, "number": "+14155550100"}))
    phone_id = phone["contact"]["phones"][0]["id"]
    ok(
        await t.mutate(
            "contactPhoneUpdate", {"contactId": cid, "phoneId": phone_id, "label": "WORK"}
        )
    )
    ok(await t.mutate("contactPhoneRemove", {"contactId": cid, "phoneId": phone_id}))
    email = ok(await t.mutate("contactEmailAdd", {"contactId": cid, "address": "s@example.org"}))
    email_id = email["contact"]["emails"][0]["id"]
    ok(
        await t.mutate(
            "contactEmailUpdate", {"contactId": cid, "emailId": email_id, "label": "WORK"}
        )
    )
    ok(await t.mutate("contactEmailRemove", {"contactId": cid, "emailId": email_id}))
    ok(await t.mutate("contactTagsAdd", {"contactId": cid, "tags": ["vip"]}))
    ok(await t.mutate("contactTagsRemove", {"contactId": cid, "tags": ["vip"]}))
    # Dan stays a follower, so the contact stays his while its owner changes
    followers = {"contactId": cid, "userIds": ["user-dan", "user-gus"]}
    ok(await t.mutate("contactFollowersAdd", followers))
    ok(await t.mutate("contactOwnerSet", {"contactId": cid, "ownerId": "user-fay"}))
    ok(await t.mutate("contactFollowersRemove", {"contactId": cid, "userIds": ["user-gus"]}))
    dnd = {"contactId": cid, "settings": [{"channel": "SMS", "enabled": True}]}
    ok(await t.mutate("contactDndSet", dnd))
    values = {"contactId": cid, "values": [{"key": "score", "value": {"number": 7}}]}
    ok(await t.mutate("contactCustomFieldValuesSet", values))


async def tab_changes(t: Tenant, cid: str) -> None:
    """Notes, tasks, interactions and attribution, workflows, the client portal, documents,
    the profile picture."""
    note = ok(await t.mutate("contactNoteAdd", {"contactId": cid, "body": "hi"}, "note { id }"))
    ref = {"noteId": note["note"]["id"]}
    ok(await t.mutate("contactNoteUpdate", {**ref, "body": "hello"}, "note { id }"))
    ok(await t.mutate("contactNoteDelete", ref, "note { id }"))
    task = {"contactId": cid, "title": "Call", "dueAt": "2030-01-01T09:00:00Z"}
    made = ok(await t.mutate("contactTaskAdd", {**task, "assigneeId": "u1"}, "task { id }"))
    ref = {"taskId": made["task"]["id"]}
    ok(await t.mutate("contactTaskUpdate", {**ref, "title": "Call back"}, "task { id }"))
    for action in ("Complete", "Reopen", "Delete"):
        ok(await t.mutate(f"contactTask{action}", ref, "task { id }"))
    visit = {
        "contactId": cid,
        "externalId": "visit-1",
        "kind": "WEBSITE_VISIT",
        "occurredAt": "2026-01-01T12:00:00Z",
        "websiteVisit": {"pageUrl": "https://shop.example.com"},
    }
    ok(await t.mutate("contactInteractionRecord", visit, "interaction { id }"))
    ok(await t.mutate("contactAttributionReset", {"contactId": cid}, "contact { id }"))
    for workflow_id, end in (("wf-1", "Stop"), ("wf-2", "Complete")):
        enrol = {"contactId": cid, "workflowId": workflow_id, "workflowName": workflow_id}
        ok(await t.mutate("contactWorkflowEnroll", enrol, "enrollment { id }"))
        ref = {"contactId": cid, "workflowId": workflow_id}
        ok(await t.mutate(f"contactWorkflow{end}", ref, "enrollment { id }"))
    offer = {"contactId": cid, "offerId": "offer-1"}
    group = {"contactId": cid, "groupId": "group-1"}
    ok(await t.mutate("contactCourseOfferGrant", {**offer, "offerName": "Yoga"}, "contact { id }"))
    ok(await t.mutate("contactCourseOfferRevoke", offer, "contact { id }"))
    assign = {**group, "groupName": "Founders"}
    ok(await t.mutate("contactCommunityGroupAssign", assign, "contact { id }"))
    ok(await t.mutate("contactCommunityGroupRemove", group, "contact { id }"))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    sent = await t.upload({"contactId": cid}, [("a.pdf", pdf)], selection="documents { id }")
    doc = ok(sent.json()["data"]["contactDocumentsUpload"])["documents"][0]
    ref = {"documentId": doc["id"]}
    ok(await t.mutate("contactDocumentRename", {**ref, "name": "b.pdf"}, "document { id }"))
    ok(await t.mutate("contactDocumentMove", {**ref, "folder": "SENT"}, "document { id }"))
    ok(await t.mutate("contactDocumentDelete", ref, "document { id }"))
    photo = await t.upload({"contactId": cid}, [("me.jpg", jpeg())], selection="documents { id }")
    image = ok(photo.json()["data"]["contactDocumentsUpload"])["documents"][0]
    pick = {"contactId": cid, "documentId": image["id"]}
    ok(await t.mutate("contactPictureSetFromDocument", pick, "contact { id }"))


async def payments_changes(t: Tenant, cid: str) -> None:
    """Cards, charges (succeeded, declined, waiting for 3-D Secure), a subscription and
    Stripe's word on it, invoices."""
    card = "paymentMethod { id }"
    visa = ok(
        await t.mutate(
            "contactPaymentMethodAdd", {"contactId": cid, "paymentMethod": "pm_card_visa"}, card
        )
    )["paymentMethod"]["id"]
    ok(
        await t.mutate(
            "contactPaymentMethodUpdate", {"paymentMethodId": visa, "label": "Main"}, card
        )
    )
    charge = {"contactId": cid, "amount": 100, "currency": "USD", "description": "x"}
    ok(await t.mutate("contactCharge", {**charge, "paymentMethodId": visa}, "payment { id }"))
    failing = ok(
        await t.mutate(
            "contactPaymentMethodAdd",
            {"contactId": cid, "paymentMethod": "pm_card_chargeCustomerFail"},
            card,
        )
    )["paymentMethod"]["id"]
    declined = await t.mutate(
        "contactCharge", {**charge, "paymentMethodId": failing}, "payment { status }"
    )
    assert declined["payment"]["status"] == "FAILED"
    assert t.settings.stripe_api_base is not None
    secure = await card_payment_method(t.settings.stripe_api_base)
    ok(await t.mutate("contactCharge", {**charge, "newPaymentMethod": secure}, "payment { id }"))
    ok(await t.mutate("contactPaymentMethodDelete", {"paymentMethodId": failing}, card))
    items = [{"name": "Plan", "amount": 100, "interval": "MONTH"}]
    sub = {"contactId": cid, "currency": "USD", "items": items, "paymentMethodId": visa}
    made = ok(await t.mutate("contactSubscriptionCreate", sub, "subscription { id }"))
    sub_id = made["subscription"]["id"]
    provider_id = await subscription_provider_id(t, cid)
    body = stripe_event("customer.subscription.updated", {"id": provider_id, "status": "past_due"})
    hook = await t.client.post(
        "/stripe/webhook", content=body, headers={"stripe-signature": stripe_signature(body)}
    )
    assert hook.status_code == 200
    ok(
        await t.mutate(
            "contactSubscriptionCancel", {"subscriptionId": sub_id}, "subscription { id }"
        )
    )
    ok(await t.mutate("contactPhoneAdd", {"contactId": cid, "number": "+14155550101"}))
    parts = {"currency": "USD", "items": [{"description": "Work", "unitAmount": 500}]}
    invoice = "invoice { id }"
    inv = ok(await t.mutate("contactInvoiceCreate", {"contactId": cid, "invoice": parts}, invoice))[
        "invoice"
    ]["id"]
    ok(
        await t.mutate(
            "contactInvoiceUpdate",
            {"invoiceId": inv, "invoice": {**parts, "memo": "Thanks"}},
            invoice,
        )
    )
    ok(await t.mutate("contactInvoiceSend", {"invoiceId": inv, "channel": "SMS"}, invoice))
    ok(
        await t.mutate(
            "contactInvoicePay", {"invoiceId": inv, "paymentMethodId": visa}, "payment { id }"
        )
    )
    other = ok(
        await t.mutate("contactInvoiceCreate", {"contactId": cid, "invoice": parts}, invoice)
    )["invoice"]["id"]
    ok(await t.mutate("contactInvoiceVoid", {"invoiceId": other}, invoice))


async def subscription_provider_id(t: Tenant, cid: str) -> str:
    """Stripe's id of the contact's subscription, as its webhooks name it."""
    from sqlalchemy import select

    from persistence.tables import SUBSCRIPTION

    engine = t.client._transport.app.state.runtime.engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(SUBSCRIPTION.c.provider_id).where(SUBSCRIPTION.c.contact_id == cid)
        )
    return str(found)


async def references(t: Tenant, seen: str, hidden: str, guest: str) -> None:
    """The events that name other contacts: links from either side, relabelled and removed,
    appointments with guests -- and opportunities, which name none."""
    mentor = await label(t, HIDDEN_LABELS[0], HIDDEN_LABELS[1])
    confidant = await label(t, HIDDEN_LABELS[2])
    colleague = await label(t, "Colleague")
    await link(t, seen, guest, [colleague])  # a visible contact, shown as it is
    # made from the hidden contact's side: seen's side reads the inverse name
    incoming = await link(t, hidden, seen, [mentor])
    sets = {"associationId": incoming, "labelIds": [mentor, confidant]}
    ok(await t.mutate("contactAssociationLabelsSet", sets, "association { id }"))
    unlink = {"associationId": incoming}
    ok(await t.mutate("contactAssociationRemove", unlink, "association { id }"))
    await link(t, seen, hidden, [mentor])  # and from seen's side
    deal = {"contactId": seen, "name": "Deal", "pipelineId": "sales", "stage": "new"}
    made = ok(await t.mutate("contactOpportunityCreate", deal, "opportunity { id }"))
    update = {"id": made["opportunity"]["id"], "stage": "won"}
    ok(await t.mutate("opportunityUpdate", update, "opportunity { id }"))

    start = datetime.combine(date.today() + timedelta(days=2), time(), tzinfo=UTC)
    booking = {
        "contactId": seen,
        "calendarId": await open_calendar(t, "user-cal"),
        "start": start.isoformat(),
        "attendeeContactIds": [hidden, guest],
    }
    booked = ok(await t.mutate("contactAppointmentBook", booking, "appointment { id }"))
    ref = {"appointmentId": booked["appointment"]["id"]}
    edit = {**ref, "title": "Intro", "attendeeContactIds": [guest]}  # the hidden guest leaves
    ok(await t.mutate("contactAppointmentUpdate", edit, "appointment { id }"))
    moved = {**ref, "start": (start + timedelta(minutes=30)).isoformat()}
    ok(await t.mutate("contactAppointmentUpdate", moved, "appointment { id }"))
    back = {**ref, "attendeeContactIds": [guest, hidden]}  # and comes back
    ok(await t.mutate("contactAppointmentUpdate", back, "appointment { id }"))
    ok(await t.mutate("contactAppointmentCancel", ref, "appointment { id }"))


async def every_kind_of_event(t: Tenant) -> Scenario:
    restricted = t.viewer("user-dan", assigned_only=True)
    first, last = HIDDEN_NAME
    hidden = (await t.create_contact(firstName=first, lastName=last, ownerId="user-eve"))["id"]
    guest = (await t.create_contact(firstName="Guest", ownerId="user-dan"))["id"]
    seen = (await t.create_contact(firstName="Seen", ownerId="user-dan"))["id"]
    await core_changes(t, seen)
    await tab_changes(t, seen)
    await payments_changes(t, seen)
    await references(t, seen, hidden, guest)
    # CONTACT_MERGED names both contacts; a merged contact's id reads as its survivor (here
    # seen, Dan's), so Dan may see it: shown, not redacted (test_contact_merge.py has the
    # view that withholds a survivor Dan may not see)
    twin = (await t.create_contact(firstName="Twin", ownerId="user-eve"))["id"]
    merge = {"survivorId": seen, "duplicateId": twin}
    ok(await t.mutate("contactMerge", merge, "contact { id }"))
    return Scenario(seen, hidden, guest, restricted)


def leaks(text: str, s: Scenario) -> list[str]:
    """What of the hidden contact a response gives away."""
    return [x for x in (s.hidden, *HIDDEN_NAME, *HIDDEN_LABELS) if x in text]


def nodes(data: dict[str, Any], view: str) -> list[dict[str, Any]]:
    return [e["node"] for e in data["contact"][view]["edges"]]


async def test_a_restricted_viewer_reads_no_hidden_contact_in_any_item_or_change(
    tenant: Tenant,
) -> None:
    s = await every_kind_of_event(tenant)
    admin = await tenant.raw(RECORD, {"id": s.seen}, tenant.admin)
    dan = await tenant.raw(RECORD, {"id": s.seen}, s.restricted)
    assert "errors" not in admin, admin
    assert "errors" not in dan, dan

    # the scenario covers every event kind and every item type the schema declares
    assert {n["kind"] for n in nodes(admin["data"], "activity")} == set(EventKind)
    interface = graphql_schema().type_map["ContactActivity"]
    assert isinstance(interface, GraphQLInterfaceType)
    possible = {t.name for t in graphql_schema().get_possible_types(interface)}
    typenames = {n["__typename"] for n in nodes(dan["data"], "activity")}
    assert possible - typenames <= FALLBACK_TYPES

    # the admin sees the hidden contact's id and the links' labels; Dan sees none of it
    assert set(leaks(json.dumps(admin), s)) == {s.hidden, *HIDDEN_LABELS}
    assert leaks(json.dumps(dan), s) == []

    # the same items, pages and counts for both: redacted, not dropped
    for view in ("activity", "auditLog"):
        ours, theirs = admin["data"]["contact"][view], dan["data"]["contact"][view]
        assert ours["totalCount"] == theirs["totalCount"]
        assert [e["cursor"] for e in ours["edges"]] == [e["cursor"] for e in theirs["edges"]]
        assert not any(n["redacted"] for n in nodes(admin["data"], view))
    items = nodes(dan["data"], "activity")
    assert [n["kind"] for n in items if n["redacted"]] == [
        "APPOINTMENT_UPDATED",  # the hidden guest comes back
        "APPOINTMENT_UPDATED",  # the hidden guest leaves
        "APPOINTMENT_BOOKED",
        "ASSOCIATION_ADDED",  # seen -> hidden
        "ASSOCIATION_REMOVED",
        "ASSOCIATION_LABELS_CHANGED",
        "ASSOCIATION_ADDED",  # hidden -> seen, on seen's side
    ]
    links = [n for n in items if n.get("objectType") == "CONTACT"]
    assert [(n["objectId"], n["associationLabels"], n["redacted"]) for n in links] == [
        *[(None, [], True)] * 4,
        (s.guest, ["Colleague"], False),
    ]
    booked = next(n for n in items if n["kind"] == "APPOINTMENT_BOOKED")
    assert booked["changes"][0]["after"]["attendeeContactIds"] == [s.guest]
    assert booked["changes"][0]["redacted"] is True

    # every summary key that names a contact is declared, so the rule reads it
    assert undeclared_contact_keys(nodes(admin["data"], "auditLog"), s) == set()


CONTACT_KEY = re.compile(r"contact", re.IGNORECASE)


def undeclared_contact_keys(audit: list[dict[str, Any]], s: Scenario) -> set[tuple[str, str]]:
    """(field, key) of the admin's audit log whose summaries hold a contact's id (at any
    depth) or whose key says it names contacts, and that `CONTACT_REFERENCES` lacks."""
    ids = {s.seen, s.hidden, s.guest}
    found = set()
    for node in audit:
        for change in node["changes"]:
            for summary in (change["before"], change["after"]):
                if not isinstance(summary, dict):
                    continue
                for key, value in summary.items():
                    text = json.dumps(value)
                    if CONTACT_KEY.search(key) or any(i in text for i in ids):
                        found.add((change["field"], key))
    declared = {(f, ref.key) for f, refs in CONTACT_REFERENCES.items() for ref in refs}
    return found - declared
