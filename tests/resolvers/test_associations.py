"""Associations tab: labels, links to contacts / opportunities / companies / custom-object
records (existing or created in the same change), both sides of a contact-to-contact link,
the 10-label limit, opportunities, events, visibility and tenancy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support import Tenant

from domain.viewer import Viewer
from persistence.db import StatementCounter
from persistence.tables import (
    ASSOCIATION,
    ASSOCIATION_LABEL,
    ASSOCIATION_LABEL_LINK,
    COMPANY,
    CONTACT,
    CUSTOM_OBJECT_RECORD,
    EVENT,
    LOCATION,
    OPPORTUNITY,
)
from server.settings import Settings

RECORD = """record { __typename ... on Contact { id fullName }
  ... on Opportunity { id name pipelineId stage status monetaryValue { amount currency } }
  ... on Company { id name domain } ... on CustomObjectRecord { id objectKey name properties } }"""
ASSOCIATION_SELECTION = f"""association {{ id contactId objectType createdAt
  labels {{ name label {{ id name inverseName }} }} {RECORD} }}"""
CARDS = f"""query($id: ID!, $first: Int, $after: String, $filter: ContactAssociationFilter,
  $orderBy: ContactAssociationOrderBy) {{ contact(id: $id) {{
  associations(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ id objectType labels {{ name }} {RECORD} }} }} }} }} }}"""
AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 50) { edges { node {
  kind actor { id } changes { field before after } } } } } }"""
LABEL = "label { id name inverseName objectType customObjectKey }"
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  __typename ... on Opportunity { name contacts { totalCount edges { node { id fullName } } } }
  ... on Company { name contacts { totalCount edges { node { id } } } }
  ... on CustomObjectRecord { name properties contacts { edges { node { id } } } }
  ... on Contact { fullName } } }"""
OPPORTUNITIES = """query($id: ID!, $first: Int, $after: String, $filter: ContactOpportunityFilter,
  $orderBy: ContactOpportunityOrderBy) { contact(id: $id) {
  opportunities(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name status stage monetaryValue { amount currency } } } } } }"""
OPPORTUNITY_SELECTION = (
    "opportunity { id name pipelineId stage status monetaryValue { amount currency } }"
)
COUNTED = (
    CONTACT,
    OPPORTUNITY,
    COMPANY,
    CUSTOM_OBJECT_RECORD,
    ASSOCIATION,
    ASSOCIATION_LABEL_LINK,
    ASSOCIATION_LABEL,
    EVENT,
)


@pytest.fixture
async def other_tenant(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> Tenant:
    location_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(id=location_id, name="other", created_at=datetime.now(UTC))
        )
    return Tenant(client, settings, location_id)


async def snapshot(engine: AsyncEngine, t: Tenant) -> dict[str, int]:
    """How many rows of every table this tab writes the tenant has: a refused mutation
    must leave every number as it was."""
    out = {}
    async with engine.connect() as conn:
        for table in COUNTED:
            stmt = select(func.count()).select_from(table)
            out[table.name] = (
                await conn.execute(stmt.where(table.c.location_id == t.location_id))
            ).scalar_one()
    return out


async def count_rows(engine: AsyncEngine, table: Table, t: Tenant) -> int:
    return (await snapshot(engine, t))[table.name]


async def label(t: Tenant, name: str, object_type: str, **extra: Any) -> str:
    payload = await t.mutate(
        "contactAssociationLabelCreate",
        {"name": name, "objectType": object_type, **extra},
        selection=LABEL,
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    return str(payload["label"]["id"])


LABELS = """query($first: Int, $after: String, $filter: ContactAssociationLabelFilter,
  $orderBy: ContactAssociationLabelOrderBy) {
  contactAssociationLabels(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name inverseName objectType customObjectKey createdAt } } } }"""


async def labels_page(t: Tenant, **variables: Any) -> dict[str, Any]:
    data = await t.gql(LABELS, variables)
    connection: dict[str, Any] = data["contactAssociationLabels"]
    return connection


async def labels(t: Tenant, *fields: str, **variables: Any) -> list[dict[str, Any]]:
    """One page of the location's labels, each with only ``fields``."""
    return [{f: e["node"][f] for f in fields} for e in (await labels_page(t, **variables))["edges"]]


async def link(t: Tenant, contact_id: str, viewer: Viewer | None = None, **input: Any) -> Any:
    return await t.mutate(
        "contactAssociationAdd",
        {"contactId": contact_id, **input},
        selection=ASSOCIATION_SELECTION,
        viewer=viewer,
    )


async def linked(t: Tenant, contact_id: str, **input: Any) -> dict[str, Any]:
    payload = await link(t, contact_id, **input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return dict(payload["association"])


def errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def record_name(record: dict[str, Any]) -> str:
    return str(record.get("fullName") or record["name"])


async def cards(
    t: Tenant, contact_id: str, viewer: Viewer | None = None, **variables: Any
) -> list[tuple[str, str, list[str]]]:
    """(record type, record name, label names) of each association, newest first."""
    data = await t.gql(CARDS, {"id": contact_id, **variables}, viewer)
    return [
        (
            e["node"]["record"]["__typename"],
            record_name(e["node"]["record"]),
            [x["name"] for x in e["node"]["labels"]],
        )
        for e in data["contact"]["associations"]["edges"]
    ]


async def events(t: Tenant, contact_id: str) -> list[tuple[str, list[dict[str, Any]]]]:
    data = await t.gql(AUDIT, {"id": contact_id})
    return [(e["node"]["kind"], e["node"]["changes"]) for e in data["contact"]["auditLog"]["edges"]]


async def kinds(t: Tenant, contact_id: str) -> list[str]:
    return [kind for kind, _ in await events(t, contact_id)]


# -- labels ------------------------------------------------------------------------------------


async def test_labels_are_defined_by_admins_per_location(
    tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    parent = await label(tenant, "Parent", "CONTACT", inverseName="Child")
    await label(tenant, "Spouse", "CONTACT", inverseName="spouse")  # same name: symmetric
    await label(tenant, "Decision maker", "OPPORTUNITY")
    await label(tenant, "Decision maker", "COMPANY")  # names are unique per type of record
    await label(tenant, "Owner", "CUSTOM_OBJECT", customObjectKey="pets")
    listed = await labels(
        tenant, "name", "inverseName", "objectType", filter={"objectTypes": ["CONTACT"]}
    )
    assert listed == [
        {"name": "Parent", "inverseName": "Child", "objectType": "CONTACT"},
        {"name": "Spouse", "inverseName": None, "objectType": "CONTACT"},
    ]
    everything = await labels(tenant, "name", "customObjectKey")
    assert len(everything) == 5
    assert everything[-1] == {
        "name": "Owner",
        "customObjectKey": "pets",
    }
    before = await snapshot(engine, tenant)
    refused = [
        ({"name": "parent", "objectType": "CONTACT"}, (["input", "name"], "DUPLICATE")),
        (
            {"name": "Boss", "objectType": "OPPORTUNITY", "inverseName": "Report"},
            (["input", "inverseName"], "INVALID_VALUE"),
        ),
        (
            {"name": "Vet", "objectType": "CUSTOM_OBJECT"},
            (["input", "customObjectKey"], "REQUIRED"),
        ),
        (
            {"name": "Vet", "objectType": "COMPANY", "customObjectKey": "pets"},
            (["input", "customObjectKey"], "INVALID_VALUE"),
        ),
        (
            {"name": "Vet", "objectType": "CUSTOM_OBJECT", "customObjectKey": "Pets!"},
            (["input", "customObjectKey"], "INVALID_VALUE"),
        ),
        ({"name": "  ", "objectType": "COMPANY"}, (["input", "name"], "REQUIRED")),
    ]
    for input, expected in refused:
        payload = await tenant.mutate("contactAssociationLabelCreate", input, selection=LABEL)
        assert errors(payload) == [expected], input
        assert payload["label"] is None
    user = tenant.viewer("user-ben")
    forbidden = await tenant.mutate(
        "contactAssociationLabelCreate",
        {"name": "Friend", "objectType": "CONTACT"},
        selection=LABEL,
        viewer=user,
    )
    assert errors(forbidden) == [(["input"], "FORBIDDEN")]
    for name, input in (
        ("contactAssociationLabelUpdate", {"id": parent, "name": "Mother"}),
        ("contactAssociationLabelDelete", {"id": parent}),
    ):
        payload = await tenant.mutate(name, input, selection=LABEL, viewer=user)
        assert errors(payload) == [(["input"], "FORBIDDEN")]
    assert await snapshot(engine, tenant) == before
    theirs = await labels_page(other_tenant)
    assert (theirs["totalCount"], theirs["edges"]) == (0, [])
    foreign = await other_tenant.mutate(
        "contactAssociationLabelDelete", {"id": parent}, selection=LABEL
    )
    assert errors(foreign) == [(["input", "id"], "NOT_FOUND")]


async def test_a_label_keeps_its_symmetry_when_renamed(tenant: Tenant) -> None:
    parent = await label(tenant, "Parent", "CONTACT", inverseName="Child")
    spouse = await label(tenant, "Spouse", "CONTACT")
    renamed = await tenant.mutate(
        "contactAssociationLabelUpdate",
        {"id": parent, "name": "Mother", "inverseName": "Daughter"},
        selection=LABEL,
    )
    assert renamed["label"]["name"] == "Mother"
    assert renamed["label"]["inverseName"] == "Daughter"
    for input in ({"id": parent, "inverseName": None}, {"id": spouse, "inverseName": "Wife"}):
        payload = await tenant.mutate("contactAssociationLabelUpdate", input, selection=LABEL)
        assert errors(payload) == [(["input", "inverseName"], "INVALID_VALUE")]
    clash = await tenant.mutate(
        "contactAssociationLabelUpdate", {"id": spouse, "name": "MOTHER"}, selection=LABEL
    )
    assert errors(clash) == [(["input", "name"], "DUPLICATE")]
    listed = await labels(tenant, "name", "inverseName")
    assert listed == [
        {"name": "Mother", "inverseName": "Daughter"},
        {"name": "Spouse", "inverseName": None},
    ]


async def test_labels_page_filter_and_sort(tenant: Tenant) -> None:
    await label(tenant, "delta", "CONTACT")
    await label(tenant, "Alpha", "COMPANY")
    await label(tenant, "charlie", "OPPORTUNITY")
    await label(tenant, "Bravo", "CUSTOM_OBJECT", customObjectKey="pets")
    await label(tenant, "echo", "COMPANY")
    made = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    by_name = sorted(made, key=str.lower)
    orders: list[tuple[dict[str, str] | None, list[str]]] = [
        (None, made),  # oldest first
        ({"direction": "DESC"}, made[::-1]),
        ({"field": "NAME"}, by_name),
        ({"field": "NAME", "direction": "DESC"}, by_name[::-1]),
    ]
    for order, expected in orders:
        one = await labels_page(tenant, orderBy=order, first=2)
        two = await labels_page(tenant, orderBy=order, after=one["pageInfo"]["endCursor"])
        assert one["totalCount"] == two["totalCount"] == 5
        assert (one["pageInfo"]["hasNextPage"], one["pageInfo"]["hasPreviousPage"]) == (
            True,
            False,
        )
        assert (two["pageInfo"]["hasNextPage"], two["pageInfo"]["hasPreviousPage"]) == (
            False,
            True,
        )
        assert [e["node"]["name"] for e in one["edges"] + two["edges"]] == expected, order
    companies = await labels_page(tenant, filter={"objectTypes": ["COMPANY", "CUSTOM_OBJECT"]})
    assert companies["totalCount"] == 3
    assert [e["node"]["name"] for e in companies["edges"]] == ["Alpha", "Bravo", "echo"]
    none = await labels_page(tenant, filter={"objectTypes": []})
    assert (none["totalCount"], none["edges"]) == (0, [])
    bad = await tenant.raw(LABELS, {"after": "garbage"}, tenant.admin)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# -- contact to contact ------------------------------------------------------------------------


async def test_a_contact_link_shows_on_both_sides_with_the_inverse_label(
    tenant: Tenant,
) -> None:
    parent = await label(tenant, "Parent", "CONTACT", inverseName="Child")
    spouse = await label(tenant, "Spouse", "CONTACT")
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    made = await linked(
        tenant, ann["id"], targetId=bob["id"], targetType="CONTACT", labelIds=[parent]
    )
    assert made["contactId"] == ann["id"]
    assert made["record"] == {"__typename": "Contact", "id": bob["id"], "fullName": "Bob"}
    assert made["labels"] == [
        {"name": "Parent", "label": {"id": parent, "name": "Parent", "inverseName": "Child"}}
    ]
    # "Bob is Ann's parent": Ann reads Parent, Bob reads Child
    assert await cards(tenant, ann["id"]) == [("Contact", "Bob", ["Parent"])]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Child"])]
    bobs_side = (await tenant.gql(CARDS, {"id": bob["id"]}))["contact"]["associations"]
    bob_side_id = bobs_side["edges"][0]["node"]["id"]
    assert bob_side_id != made["id"]
    assert (await events(tenant, ann["id"]))[0] == (
        "ASSOCIATION_ADDED",
        [
            {
                "field": "associations",
                "before": None,
                "after": {
                    "id": made["id"],
                    "objectType": "CONTACT",
                    "objectId": bob["id"],
                    "labels": ["Parent"],
                },
            }
        ],
    )
    assert (await events(tenant, bob["id"]))[0] == (
        "ASSOCIATION_ADDED",
        [
            {
                "field": "associations",
                "before": None,
                "after": {
                    "id": bob_side_id,
                    "objectType": "CONTACT",
                    "objectId": ann["id"],
                    "labels": ["Child"],
                },
            }
        ],
    )
    # from Bob's side: "Ann is Bob's parent" now, and they are spouses (symmetric)
    changed = await tenant.mutate(
        "contactAssociationLabelsSet",
        {"associationId": bob_side_id, "labelIds": [parent, spouse]},
        selection=ASSOCIATION_SELECTION,
    )
    assert changed["userErrors"] == []
    assert [x["name"] for x in changed["association"]["labels"]] == ["Parent", "Spouse"]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Parent", "Spouse"])]
    assert await cards(tenant, ann["id"]) == [("Contact", "Bob", ["Child", "Spouse"])]
    for contact, side, other, before, after in (
        (ann, made["id"], bob, ["Parent"], ["Child", "Spouse"]),
        (bob, bob_side_id, ann, ["Child"], ["Parent", "Spouse"]),
    ):
        link = {"id": side, "objectType": "CONTACT", "objectId": other["id"]}
        assert (await events(tenant, contact["id"]))[0] == (
            "ASSOCIATION_LABELS_CHANGED",
            [
                {
                    "field": "associations.labels",
                    "before": {**link, "labels": before},
                    "after": {**link, "labels": after},
                }
            ],
        )
    removed_label = await tenant.mutate(
        "contactAssociationLabelsRemove",
        {"associationId": made["id"], "labelIds": [parent]},
        selection=ASSOCIATION_SELECTION,
    )
    assert [x["name"] for x in removed_label["association"]["labels"]] == ["Spouse"]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Spouse"])]
    added = await tenant.mutate(
        "contactAssociationLabelsAdd",
        {"associationId": made["id"], "labelIds": [spouse, parent]},
        selection=ASSOCIATION_SELECTION,
    )
    assert [x["name"] for x in added["association"]["labels"]] == ["Spouse", "Parent"]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Spouse", "Child"])]
    # linking the same pair again, from either side, returns the link as it is
    audit_before = [await events(tenant, x["id"]) for x in (ann, bob)]
    for source, target, side_id, names in (
        (bob, ann, bob_side_id, ["Spouse", "Child"]),
        (ann, bob, made["id"], ["Spouse", "Parent"]),
    ):
        again = await linked(
            tenant, source["id"], targetId=target["id"], targetType="CONTACT", labelIds=[spouse]
        )
        assert again["id"] == side_id
        assert [x["name"] for x in again["labels"]] == names
    assert [await events(tenant, x["id"]) for x in (ann, bob)] == audit_before
    # removing through either side's id removes the link from both
    gone = await tenant.mutate(
        "contactAssociationRemove",
        {"associationId": bob_side_id},
        selection=ASSOCIATION_SELECTION,
    )
    assert gone["association"]["id"] == bob_side_id
    assert [x["name"] for x in gone["association"]["labels"]] == ["Spouse", "Child"]
    assert await cards(tenant, ann["id"]) == []
    assert await cards(tenant, bob["id"]) == []
    for contact, side, names in (
        (ann, made["id"], ["Spouse", "Parent"]),
        (bob, bob_side_id, ["Spouse", "Child"]),
    ):
        kind, changes = (await events(tenant, contact["id"]))[0]
        assert kind == "ASSOCIATION_REMOVED"
        assert changes[0]["before"]["id"] == side
        assert changes[0]["before"]["labels"] == names
        assert changes[0]["after"] is None
    ghost = await tenant.mutate(
        "contactAssociationRemove", {"associationId": made["id"]}, selection=ASSOCIATION_SELECTION
    )
    assert errors(ghost) == [(["input", "associationId"], "NOT_FOUND")]
    relinked = await linked(tenant, bob["id"], targetId=ann["id"], targetType="CONTACT")
    assert relinked["labels"] == []
    assert await cards(tenant, ann["id"]) == [("Contact", "Bob", [])]


# -- existing or new records -------------------------------------------------------------------


async def test_link_records_created_in_the_same_change(tenant: Tenant) -> None:
    owner = await label(tenant, "Owner", "CUSTOM_OBJECT", customObjectKey="pets")
    employee = await label(tenant, "Employee", "COMPANY")
    ann = await tenant.create_contact(firstName="Ann")
    company = await linked(
        tenant,
        ann["id"],
        createCompany={"name": " Acme ", "domain": "https://www.Acme.com/about"},
        labelIds=[employee],
    )
    assert company["objectType"] == "COMPANY"
    assert company["record"]["name"] == "Acme"
    assert company["record"]["domain"] == "acme.com"
    pet = await linked(
        tenant,
        ann["id"],
        createCustomObjectRecord={
            "objectKey": "pets",
            "name": "Rex",
            "properties": {"species": "dog", "age": 3, "weight": 12.5, "chipped": True, "x": None},
        },
        labelIds=[owner],
    )
    assert pet["record"]["objectKey"] == "pets"
    assert pet["record"]["properties"] == {
        "species": "dog",
        "age": 3,
        "weight": 12.5,
        "chipped": True,
        "x": None,
    }
    deal = await linked(
        tenant,
        ann["id"],
        createOpportunity={
            "name": "Renewal",
            "pipelineId": "sales",
            "stage": "proposal",
            "monetaryValue": {"amount": 129900, "currency": "eur"},
        },
    )
    assert deal["record"]["status"] == "OPEN"
    assert deal["record"]["monetaryValue"] == {"amount": "129900", "currency": "EUR"}
    cat = await linked(
        tenant,
        ann["id"],
        createContact={"firstName": "Cat", "emails": [{"address": "cat@example.org"}]},
    )
    assert cat["record"]["fullName"] == "Cat"
    cat_id = cat["record"]["id"]
    assert await cards(tenant, ann["id"]) == [
        ("Contact", "Cat", []),
        ("Opportunity", "Renewal", []),
        ("CustomObjectRecord", "Rex", ["Owner"]),
        ("Company", "Acme", ["Employee"]),
    ]
    assert await cards(tenant, cat_id) == [("Contact", "Ann", [])]
    assert await kinds(tenant, cat_id) == ["ASSOCIATION_ADDED", "CONTACT_CREATED"]
    assert await kinds(tenant, ann["id"]) == [
        "ASSOCIATION_ADDED",
        "ASSOCIATION_ADDED",
        "OPPORTUNITY_CREATED",
        "ASSOCIATION_ADDED",
        "ASSOCIATION_ADDED",
        "CONTACT_CREATED",
    ]
    # another contact links the existing records; each record lists both contacts
    bob = await tenant.create_contact(firstName="Bob")
    for made, object_type in ((deal, "OPPORTUNITY"), (company, "COMPANY"), (pet, "CUSTOM_OBJECT")):
        await linked(tenant, bob["id"], targetId=made["record"]["id"], targetType=object_type)
    found = await tenant.gql(
        ENTITIES,
        {
            "reps": [
                {"__typename": "Opportunity", "id": deal["record"]["id"]},
                {"__typename": "Company", "id": company["record"]["id"]},
                {"__typename": "CustomObjectRecord", "id": pet["record"]["id"]},
                {"__typename": "Contact", "id": ann["id"]},
            ]
        },
    )
    opportunity, acme, rex, contact = found["_entities"]
    assert opportunity["name"] == "Renewal"
    assert opportunity["contacts"]["totalCount"] == 2
    assert [e["node"]["fullName"] for e in opportunity["contacts"]["edges"]] == ["Bob", "Ann"]
    assert [e["node"]["id"] for e in acme["contacts"]["edges"]] == [bob["id"], ann["id"]]
    assert [e["node"]["id"] for e in rex["contacts"]["edges"]] == [bob["id"], ann["id"]]
    assert contact == {"__typename": "Contact", "fullName": "Ann"}


async def test_a_custom_object_record_without_properties_has_none(tenant: Tenant) -> None:
    # `properties` has no `{}` default (it broke introspection): omitted or null means none
    ann = await tenant.create_contact(firstName="Ann")
    omitted = await linked(
        tenant, ann["id"], createCustomObjectRecord={"objectKey": "pets", "name": "Rex"}
    )
    null = await linked(
        tenant,
        ann["id"],
        createCustomObjectRecord={"objectKey": "pets", "name": "Tom", "properties": None},
    )
    assert omitted["record"]["properties"] == {}
    assert null["record"]["properties"] == {}


async def test_the_input_names_exactly_one_target(tenant: Tenant, engine: AsyncEngine) -> None:
    deal = await label(tenant, "Deal", "OPPORTUNITY")
    ann = await tenant.create_contact(firstName="Ann")
    company = await linked(tenant, ann["id"], createCompany={"name": "Acme"})
    before = await snapshot(engine, tenant)
    cases = [
        ({}, [(["input"], "INVALID_VALUE")]),
        (
            {"targetId": company["record"]["id"], "createCompany": {"name": "Other"}},
            [(["input"], "INVALID_VALUE")],
        ),
        ({"targetId": company["record"]["id"]}, [(["input", "targetType"], "REQUIRED")]),
        (
            {"targetId": company["record"]["id"], "targetType": "OPPORTUNITY"},
            [(["input", "targetId"], "NOT_FOUND")],
        ),
        ({"targetId": "missing", "targetType": "CONTACT"}, [(["input", "targetId"], "NOT_FOUND")]),
        (
            {"targetId": ann["id"], "targetType": "CONTACT"},
            [(["input", "targetId"], "INVALID_VALUE")],
        ),
        (
            {"createCompany": {"name": "Globex"}, "labelIds": [deal]},
            [(["input", "labelIds", "0"], "INVALID_VALUE")],
        ),
        (
            {"createCompany": {"name": "Globex", "domain": "not a domain"}},
            [(["input", "createCompany", "domain"], "INVALID_VALUE")],
        ),
        (
            {"createOpportunity": {"name": "X", "pipelineId": "p", "stage": " "}},
            [(["input", "createOpportunity", "stage"], "REQUIRED")],
        ),
        (
            {
                "createOpportunity": {
                    "name": "X",
                    "pipelineId": "p",
                    "stage": "s",
                    "monetaryValue": {"amount": -1, "currency": "USD"},
                }
            },
            [(["input", "createOpportunity", "monetaryValue", "amount"], "INVALID_VALUE")],
        ),
        (
            {"createCustomObjectRecord": {"objectKey": "pets", "name": "Rex", "properties": [1]}},
            [(["input", "createCustomObjectRecord", "properties"], "WRONG_VALUE_TYPE")],
        ),
        (
            {
                "createCustomObjectRecord": {
                    "objectKey": "pets",
                    "name": "Rex",
                    "properties": {"tags": ["a"]},
                }
            },
            [(["input", "createCustomObjectRecord", "properties", "tags"], "WRONG_VALUE_TYPE")],
        ),
        (
            {"createContact": {"firstName": "Dan", "emails": [{"address": "nope"}]}},
            [(["input", "createContact", "emails", "0", "address"], "INVALID_EMAIL")],
        ),
    ]
    for input, expected in cases:
        payload = await link(tenant, ann["id"], **input)
        assert errors(payload) == expected, input
        assert payload["association"] is None
    nobody = await link(tenant, "missing", createCompany={"name": "Globex"})
    assert errors(nobody) == [(["input", "contactId"], "NOT_FOUND")]
    # the record it is linked to already: the link as it is, nothing written
    again = await linked(tenant, ann["id"], targetId=company["record"]["id"], targetType="COMPANY")
    assert again == company
    assert await snapshot(engine, tenant) == before


async def test_a_failure_creates_nothing(tenant: Tenant, engine: AsyncEngine) -> None:
    """The new record is written before the labels are checked: a refused label rolls the
    whole change back -- no record, no link, no event."""
    employee = await label(tenant, "Employee", "COMPANY")
    ann = await tenant.create_contact(firstName="Ann")
    before = await snapshot(engine, tenant)
    new_records = [
        {"createOpportunity": {"name": "Big deal", "pipelineId": "sales", "stage": "won"}},
        {"createCustomObjectRecord": {"objectKey": "pets", "name": "Rex"}},
        {"createContact": {"firstName": "Cat", "tags": ["vip"]}},
    ]
    for create in new_records:
        unknown = await link(tenant, ann["id"], labelIds=["missing"], **create)
        assert errors(unknown) == [(["input", "labelIds", "0"], "NOT_FOUND")]
        wrong_type = await link(tenant, ann["id"], labelIds=[employee], **create)
        assert errors(wrong_type) == [(["input", "labelIds", "0"], "INVALID_VALUE")]
    opportunity = await tenant.mutate(
        "contactOpportunityCreate",
        {
            "contactId": ann["id"],
            "name": "X",
            "pipelineId": "p",
            "stage": "s",
            "labelIds": [employee],
        },
        selection=OPPORTUNITY_SELECTION,
    )
    assert errors(opportunity) == [(["input", "labelIds", "0"], "INVALID_VALUE")]
    assert opportunity["opportunity"] is None
    assert await snapshot(engine, tenant) == before
    listed = await tenant.gql("{ contacts { totalCount } }")
    assert listed["contacts"]["totalCount"] == 1
    assert await kinds(tenant, ann["id"]) == ["CONTACT_CREATED"]


async def test_up_to_ten_labels_per_link(tenant: Tenant, engine: AsyncEngine) -> None:
    labels = [await label(tenant, f"Role {i}", "COMPANY") for i in range(11)]
    ann = await tenant.create_contact(firstName="Ann")
    before = await snapshot(engine, tenant)
    too_many = await link(tenant, ann["id"], createCompany={"name": "Acme"}, labelIds=labels)
    assert errors(too_many) == [(["input", "labelIds"], "LIMIT_EXCEEDED")]
    assert "10" in too_many["userErrors"][0]["message"]
    assert await snapshot(engine, tenant) == before
    # an id given twice counts once
    made = await linked(
        tenant, ann["id"], createCompany={"name": "Acme"}, labelIds=[*labels[:10], labels[0]]
    )
    assert [x["name"] for x in made["labels"]] == [f"Role {i}" for i in range(10)]
    full = await snapshot(engine, tenant)
    for name, ids in (
        ("contactAssociationLabelsAdd", [labels[10]]),
        ("contactAssociationLabelsSet", labels),
    ):
        refused = await tenant.mutate(
            name, {"associationId": made["id"], "labelIds": ids}, selection=ASSOCIATION_SELECTION
        )
        assert errors(refused) == [(["input", "labelIds"], "LIMIT_EXCEEDED")]
        assert refused["association"] is None
    assert await snapshot(engine, tenant) == full
    assert await cards(tenant, ann["id"]) == [("Company", "Acme", [f"Role {i}" for i in range(10)])]
    swapped = await tenant.mutate(
        "contactAssociationLabelsSet",
        {"associationId": made["id"], "labelIds": [labels[10], *labels[1:10]]},
        selection=ASSOCIATION_SELECTION,
    )
    assert swapped["userErrors"] == []
    assert len(swapped["association"]["labels"]) == 10
    assert swapped["association"]["labels"][0]["name"] == "Role 10"


async def test_renaming_or_deleting_a_label_reaches_every_link(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    parent = await label(tenant, "Parent", "CONTACT", inverseName="Child")
    friend = await label(tenant, "Friend", "CONTACT")
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    await linked(
        tenant, ann["id"], targetId=bob["id"], targetType="CONTACT", labelIds=[parent, friend]
    )
    await tenant.mutate(
        "contactAssociationLabelUpdate",
        {"id": parent, "name": "Mother", "inverseName": "Son"},
        selection=LABEL,
    )
    assert await cards(tenant, ann["id"]) == [("Contact", "Bob", ["Mother", "Friend"])]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Son", "Friend"])]
    deleted = await tenant.mutate("contactAssociationLabelDelete", {"id": parent}, selection=LABEL)
    assert deleted["label"]["name"] == "Mother"
    assert await cards(tenant, ann["id"]) == [("Contact", "Bob", ["Friend"])]
    assert await cards(tenant, bob["id"]) == [("Contact", "Ann", ["Friend"])]
    kind, changes = (await events(tenant, bob["id"]))[0]
    assert kind == "ASSOCIATION_LABELS_CHANGED"
    assert changes[0]["before"]["labels"] == ["Son", "Friend"]
    assert changes[0]["after"]["labels"] == ["Friend"]
    assert await count_rows(engine, ASSOCIATION_LABEL_LINK, tenant) == 1


# -- opportunities -----------------------------------------------------------------------------


async def test_opportunities_of_a_contact(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    created = await tenant.mutate(
        "contactOpportunityCreate",
        {
            "contactId": ann["id"],
            "name": " Renewal ",
            "pipelineId": "sales",
            "stage": "proposal",
            "monetaryValue": {"amount": 150000, "currency": "usd"},
        },
        selection=f"{OPPORTUNITY_SELECTION} association {{ id objectType }}",
    )
    assert created["userErrors"] == []
    deal = created["opportunity"]
    assert deal == {
        "id": deal["id"],
        "name": "Renewal",
        "pipelineId": "sales",
        "stage": "proposal",
        "status": "OPEN",
        "monetaryValue": {"amount": "150000", "currency": "USD"},  # BigInt: a string
    }
    assert created["association"]["objectType"] == "OPPORTUNITY"
    assert (await events(tenant, ann["id"]))[1] == (
        "OPPORTUNITY_CREATED",
        [
            {
                "field": "opportunities",
                "before": None,
                "after": {
                    "id": deal["id"],
                    "name": "Renewal",
                    "pipelineId": "sales",
                    "stage": "proposal",
                    "status": "OPEN",
                    "monetaryValue": {"amount": 150000, "currency": "USD"},
                },
            }
        ],
    )
    await linked(tenant, bob["id"], targetId=deal["id"], targetType="OPPORTUNITY")
    for i, status in enumerate(("WON", "LOST", "ABANDONED", "OPEN")):
        made = await tenant.mutate(
            "contactOpportunityCreate",
            {"contactId": ann["id"], "name": f"Deal {i}", "pipelineId": "p", "stage": "s"},
            selection=OPPORTUNITY_SELECTION,
        )
        if status != "OPEN":
            await tenant.mutate(
                "opportunityUpdate",
                {"id": made["opportunity"]["id"], "status": status},
                selection=OPPORTUNITY_SELECTION,
            )
    data = await tenant.gql(OPPORTUNITIES, {"id": ann["id"]})
    names = [e["node"]["name"] for e in data["contact"]["opportunities"]["edges"]]
    assert names == ["Deal 3", "Deal 2", "Deal 1", "Deal 0", "Renewal"]
    closed = await tenant.gql(
        OPPORTUNITIES, {"id": ann["id"], "filter": {"statuses": ["WON", "LOST"]}}
    )
    assert closed["contact"]["opportunities"]["totalCount"] == 2
    assert [
        (e["node"]["name"], e["node"]["status"])
        for e in closed["contact"]["opportunities"]["edges"]
    ] == [("Deal 1", "LOST"), ("Deal 0", "WON")]
    seen, after = [], None
    while True:
        page = await tenant.gql(OPPORTUNITIES, {"id": ann["id"], "first": 2, "after": after})
        opportunities = page["contact"]["opportunities"]
        assert opportunities["totalCount"] == 5
        seen += [e["node"]["name"] for e in opportunities["edges"]]
        if not opportunities["pageInfo"]["hasNextPage"]:
            break
        after = opportunities["pageInfo"]["endCursor"]
    assert seen == names
    bobs = await tenant.gql(OPPORTUNITIES, {"id": bob["id"]})
    assert [e["node"]["name"] for e in bobs["contact"]["opportunities"]["edges"]] == ["Renewal"]


async def test_updating_an_opportunity_records_it_on_every_linked_contact(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    deal = (
        await tenant.mutate(
            "contactOpportunityCreate",
            {
                "contactId": ann["id"],
                "name": "Renewal",
                "pipelineId": "sales",
                "stage": "proposal",
                "monetaryValue": {"amount": 1000, "currency": "USD"},
            },
            selection=OPPORTUNITY_SELECTION,
        )
    )["opportunity"]
    await linked(tenant, bob["id"], targetId=deal["id"], targetType="OPPORTUNITY")
    updated = await tenant.mutate(
        "opportunityUpdate",
        {"id": deal["id"], "stage": "won", "status": "WON", "monetaryValue": None},
        selection=OPPORTUNITY_SELECTION,
    )
    assert updated["userErrors"] == []
    assert updated["opportunity"]["stage"] == "won"
    assert updated["opportunity"]["status"] == "WON"
    assert updated["opportunity"]["monetaryValue"] is None
    assert updated["opportunity"]["name"] == "Renewal"
    expected = (
        "OPPORTUNITY_UPDATED",
        [
            {
                "field": "opportunities",
                "before": {
                    "id": deal["id"],
                    "stage": "proposal",
                    "status": "OPEN",
                    "monetaryValue": {"amount": 1000, "currency": "USD"},
                },
                "after": {"id": deal["id"], "stage": "won", "status": "WON", "monetaryValue": None},
            }
        ],
    )
    assert (await events(tenant, ann["id"]))[0] == expected
    assert (await events(tenant, bob["id"]))[0] == expected
    before = await snapshot(engine, tenant)
    same = await tenant.mutate(
        "opportunityUpdate", {"id": deal["id"], "stage": "won"}, selection=OPPORTUNITY_SELECTION
    )
    assert same["userErrors"] == []
    for input, expected_errors in (
        ({"id": deal["id"], "name": ""}, [(["input", "name"], "REQUIRED")]),
        (
            {"id": deal["id"], "monetaryValue": {"amount": 5, "currency": "dollars"}},
            [(["input", "monetaryValue", "currency"], "INVALID_VALUE")],
        ),
        ({"id": "missing", "stage": "x"}, [(["input", "id"], "NOT_FOUND")]),
    ):
        payload = await tenant.mutate("opportunityUpdate", input, selection=OPPORTUNITY_SELECTION)
        assert errors(payload) == expected_errors
        assert payload["opportunity"] is None
    assert await snapshot(engine, tenant) == before  # no change, no event


# -- lists -------------------------------------------------------------------------------------


async def test_associations_page_and_filter_by_type(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    for i in range(3):
        await linked(tenant, ann["id"], createCompany={"name": f"Company {i}"})
        await linked(
            tenant,
            ann["id"],
            createOpportunity={"name": f"Deal {i}", "pipelineId": "p", "stage": "s"},
        )
    companies = await cards(tenant, ann["id"], filter={"objectTypes": ["COMPANY"]})
    assert companies == [("Company", f"Company {i}", []) for i in (2, 1, 0)]
    counted = await tenant.gql(
        CARDS, {"id": ann["id"], "filter": {"objectTypes": ["OPPORTUNITY"]}, "first": 0}
    )
    assert counted["contact"]["associations"]["totalCount"] == 3
    seen, after = [], None
    while True:
        page = await tenant.gql(CARDS, {"id": ann["id"], "first": 4, "after": after})
        associations = page["contact"]["associations"]
        assert associations["totalCount"] == 6
        seen += [record_name(e["node"]["record"]) for e in associations["edges"]]
        if not associations["pageInfo"]["hasNextPage"]:
            break
        after = associations["pageInfo"]["endCursor"]
    assert seen == ["Deal 2", "Company 2", "Deal 1", "Company 1", "Deal 0", "Company 0"]
    bad = await tenant.raw(CARDS, {"id": ann["id"], "after": "garbage"}, tenant.admin)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_many = await tenant.raw(CARDS, {"id": ann["id"], "first": 101}, tenant.admin)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_associations_filter_by_several_types_and_sort_both_ways(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    await linked(tenant, ann["id"], createCompany={"name": "Acme"})
    await linked(tenant, ann["id"], targetId=bob["id"], targetType="CONTACT")
    await linked(tenant, ann["id"], createCustomObjectRecord={"objectKey": "pets", "name": "Rex"})
    await linked(
        tenant, ann["id"], createOpportunity={"name": "Deal", "pipelineId": "p", "stage": "s"}
    )
    some = {"objectTypes": ["CUSTOM_OBJECT", "COMPANY", "COMPANY"]}
    assert [n for _, n, _ in await cards(tenant, ann["id"], filter=some)] == ["Rex", "Acme"]
    oldest = {"field": "CREATED_AT", "direction": "ASC"}
    assert [n for _, n, _ in await cards(tenant, ann["id"], orderBy=oldest)] == [
        "Acme",
        "Bob",
        "Rex",
        "Deal",
    ]
    first = await tenant.gql(CARDS, {"id": ann["id"], "orderBy": oldest, "first": 3})
    page = first["contact"]["associations"]
    rest = await tenant.gql(
        CARDS, {"id": ann["id"], "orderBy": oldest, "after": page["pageInfo"]["endCursor"]}
    )
    assert [record_name(e["node"]["record"]) for e in rest["contact"]["associations"]["edges"]] == [
        "Deal"
    ]
    assert page["totalCount"] == rest["contact"]["associations"]["totalCount"] == 4
    none = await tenant.gql(CARDS, {"id": ann["id"], "filter": {"objectTypes": []}})
    assert none["contact"]["associations"]["totalCount"] == 0
    assert none["contact"]["associations"]["edges"] == []


async def test_opportunities_sort_by_name_and_last_change_over_two_pages(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    ids = {}
    for name in ("delta", "Alpha", "charlie", "Bravo"):
        made = await tenant.mutate(
            "contactOpportunityCreate",
            {"contactId": ann["id"], "name": name, "pipelineId": "p", "stage": "s"},
            selection=OPPORTUNITY_SELECTION,
        )
        ids[name] = made["opportunity"]["id"]
    for name in ("charlie", "delta"):
        await tenant.mutate(
            "opportunityUpdate", {"id": ids[name], "stage": "next"}, selection="opportunity { id }"
        )
    orders = {
        ("NAME", "ASC"): ["Alpha", "Bravo", "charlie", "delta"],
        ("NAME", "DESC"): ["delta", "charlie", "Bravo", "Alpha"],
        ("UPDATED_AT", "DESC"): ["delta", "charlie", "Bravo", "Alpha"],
        ("UPDATED_AT", "ASC"): ["Alpha", "Bravo", "charlie", "delta"],
        ("CREATED_AT", "ASC"): ["delta", "Alpha", "charlie", "Bravo"],
    }
    for (field, direction), expected in orders.items():
        variables = {"id": ann["id"], "orderBy": {"field": field, "direction": direction}}
        one = (await tenant.gql(OPPORTUNITIES, {**variables, "first": 3}))["contact"]
        cursor = one["opportunities"]["pageInfo"]["endCursor"]
        two = (await tenant.gql(OPPORTUNITIES, {**variables, "after": cursor}))["contact"]
        assert one["opportunities"]["pageInfo"]["hasNextPage"] is True
        assert two["opportunities"]["pageInfo"]["hasNextPage"] is False
        assert one["opportunities"]["totalCount"] == two["opportunities"]["totalCount"] == 4
        seen = [
            e["node"]["name"] for e in one["opportunities"]["edges"] + two["opportunities"]["edges"]
        ]
        assert seen == expected, (field, direction)
    none = await tenant.gql(OPPORTUNITIES, {"id": ann["id"], "filter": {"statuses": []}})
    assert none["contact"]["opportunities"]["totalCount"] == 0


# -- visibility and tenancy --------------------------------------------------------------------


async def test_a_restricted_user_sees_no_link_to_a_contact_they_may_not_see(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    friend = await label(tenant, "Friend", "CONTACT")
    dan = tenant.viewer("user-dan", assigned_only=True)
    mine = await tenant.create_contact(firstName="Mine", ownerId="user-dan")
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve")
    hidden_link = await linked(tenant, mine["id"], targetId=hidden["id"], targetType="CONTACT")
    deal = await linked(
        tenant,
        hidden["id"],
        createOpportunity={"name": "Deal", "pipelineId": "p", "stage": "s"},
    )
    await linked(tenant, mine["id"], targetId=deal["record"]["id"], targetType="OPPORTUNITY")
    # the admin sees both links, Dan only the one to the opportunity
    assert await cards(tenant, mine["id"]) == [
        ("Opportunity", "Deal", []),
        ("Contact", "Hidden", []),
    ]
    assert await cards(tenant, mine["id"], viewer=dan) == [("Opportunity", "Deal", [])]
    counted = await tenant.gql(CARDS, {"id": mine["id"]}, dan)
    assert counted["contact"]["associations"]["totalCount"] == 1
    hidden_count = await tenant.gql(
        CARDS, {"id": mine["id"], "filter": {"objectTypes": ["CONTACT"]}}, dan
    )
    assert hidden_count["contact"]["associations"]["totalCount"] == 0
    as_dan = await tenant.gql(
        ENTITIES, {"reps": [{"__typename": "Opportunity", "id": deal["record"]["id"]}]}, dan
    )
    assert as_dan["_entities"][0]["contacts"]["totalCount"] == 1
    assert [e["node"]["id"] for e in as_dan["_entities"][0]["contacts"]["edges"]] == [mine["id"]]
    before = await snapshot(engine, tenant)
    refused = await link(
        tenant, mine["id"], viewer=dan, targetId=hidden["id"], targetType="CONTACT"
    )
    assert errors(refused) == [(["input", "targetId"], "NOT_FOUND")]
    not_mine = await link(tenant, hidden["id"], viewer=dan, createCompany={"name": "Acme"})
    assert errors(not_mine) == [(["input", "contactId"], "NOT_FOUND")]
    for name, input in (
        ("contactAssociationLabelsAdd", {"associationId": hidden_link["id"], "labelIds": [friend]}),
        ("contactAssociationRemove", {"associationId": hidden_link["id"]}),
    ):
        payload = await tenant.mutate(name, input, selection=ASSOCIATION_SELECTION, viewer=dan)
        assert errors(payload) == [(["input", "associationId"], "NOT_FOUND")]
    assert await snapshot(engine, tenant) == before
    # a contact Dan creates in the same change is his, so he sees the link to it
    made = await link(tenant, mine["id"], viewer=dan, createContact={"firstName": "New"})
    assert made["userErrors"] == []
    assert made["association"]["record"]["fullName"] == "New"
    assert await cards(tenant, mine["id"], viewer=dan) == [
        ("Contact", "New", []),
        ("Opportunity", "Deal", []),
    ]


async def test_another_locations_records_and_labels_do_not_exist(
    tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await other_tenant.create_contact(firstName="Theirs")
    their_label = await label(other_tenant, "Employee", "COMPANY")
    their_deal = await linked(
        other_tenant,
        theirs["id"],
        createOpportunity={"name": "Theirs", "pipelineId": "p", "stage": "s"},
    )
    their_company = await linked(other_tenant, theirs["id"], createCompany={"name": "Globex"})
    mine = await tenant.create_contact(firstName="Mine")
    before = await snapshot(engine, tenant)
    for target_id, target_type in (
        (theirs["id"], "CONTACT"),
        (their_deal["record"]["id"], "OPPORTUNITY"),
        (their_company["record"]["id"], "COMPANY"),
    ):
        payload = await link(tenant, mine["id"], targetId=target_id, targetType=target_type)
        assert errors(payload) == [(["input", "targetId"], "NOT_FOUND")]
    foreign_label = await link(
        tenant, mine["id"], createCompany={"name": "Acme"}, labelIds=[their_label]
    )
    assert errors(foreign_label) == [(["input", "labelIds", "0"], "NOT_FOUND")]
    for name, input in (
        ("contactAssociationRemove", {"associationId": their_deal["id"]}),
        ("contactAssociationLabelsSet", {"associationId": their_company["id"], "labelIds": []}),
    ):
        payload = await tenant.mutate(name, input, selection=ASSOCIATION_SELECTION)
        assert errors(payload) == [(["input", "associationId"], "NOT_FOUND")]
    update = await tenant.mutate(
        "opportunityUpdate",
        {"id": their_deal["record"]["id"], "stage": "x"},
        selection=OPPORTUNITY_SELECTION,
    )
    assert errors(update) == [(["input", "id"], "NOT_FOUND")]
    assert await snapshot(engine, tenant) == before
    found = await tenant.gql(
        ENTITIES,
        {
            "reps": [
                {"__typename": "Opportunity", "id": their_deal["record"]["id"]},
                {"__typename": "Company", "id": their_company["record"]["id"]},
                {"__typename": "CustomObjectRecord", "id": "missing"},
            ]
        },
    )
    assert found["_entities"] == [None, None, None]
    unknown = await tenant.raw(
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {"r": [{"__typename": "ContactAssociation", "id": "x"}]},
        tenant.admin,
    )
    assert "ContactAssociation" in unknown["errors"][0]["message"]


# -- concurrency -------------------------------------------------------------------------------


async def test_concurrent_label_adds_keep_ten_and_lose_nothing(tenant: Tenant) -> None:
    labels = [await label(tenant, f"Role {i}", "COMPANY") for i in range(20)]
    ann = await tenant.create_contact(firstName="Ann")
    made = await linked(tenant, ann["id"], createCompany={"name": "Acme"})

    async def add(label_id: str) -> list[str]:
        payload = await tenant.mutate(
            "contactAssociationLabelsAdd",
            {"associationId": made["id"], "labelIds": [label_id]},
            selection=ASSOCIATION_SELECTION,
        )
        return [e["code"] for e in payload["userErrors"]]

    results = await asyncio.gather(*(add(x) for x in labels))
    assert sorted(results) == [[]] * 10 + [["LIMIT_EXCEEDED"]] * 10
    (card,) = await cards(tenant, ann["id"])
    assert len(card[2]) == 10
    assert (await kinds(tenant, ann["id"])).count("ASSOCIATION_LABELS_CHANGED") == 10


async def test_concurrent_links_of_one_pair_make_one_link(tenant: Tenant) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")

    async def connect(i: int) -> list[str]:
        source, target = (ann, bob) if i % 2 else (bob, ann)
        payload = await link(tenant, source["id"], targetId=target["id"], targetType="CONTACT")
        return [e["code"] for e in payload["userErrors"]]

    results = await asyncio.gather(*(connect(i) for i in range(10)))
    assert results == [[]] * 10  # each finds the link the first one made
    assert len(await cards(tenant, ann["id"])) == 1
    assert len(await cards(tenant, bob["id"])) == 1


async def test_entities_of_linked_records_cost_the_same_for_1_and_20(
    tenant: Tenant, engine: AsyncEngine
) -> None:
    ann = await tenant.create_contact(firstName="Ann")
    bob = await tenant.create_contact(firstName="Bob")
    reps = []
    for i in range(20):
        made = await linked(
            tenant,
            ann["id"],
            createOpportunity={"name": f"Deal {i}", "pipelineId": "p", "stage": "s"},
        )
        await linked(tenant, bob["id"], targetId=made["record"]["id"], targetType="OPPORTUNITY")
        reps.append({"__typename": "Opportunity", "id": made["record"]["id"]})

    async def statements(representations: list[dict[str, str]]) -> int:
        with StatementCounter(engine) as counter:
            data = await tenant.gql(ENTITIES, {"reps": representations})
        assert all(e["contacts"]["totalCount"] == 2 for e in data["_entities"])
        return counter.count

    # opportunities, their contacts' page, those contacts, the count: one statement each
    assert await statements(reps[:1]) == await statements(reps) == 4


LINKED = """query($reps: [_Any!]!, $first: Int, $after: String, $filter: ContactFilter,
  $orderBy: LinkedContactOrderBy) { _entities(representations: $reps) {
  ... on Company { contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id firstName } } } } } }"""


async def company_contacts(t: Tenant, company_id: str, **variables: Any) -> dict[str, Any]:
    reps = [{"__typename": "Company", "id": company_id}]
    data = await t.gql(LINKED, {"reps": reps, **variables})
    connection: dict[str, Any] = data["_entities"][0]["contacts"]
    return connection


def first_names(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["firstName"] for e in connection["edges"]]


async def test_a_records_contacts_filter_like_contacts_and_sort_over_two_pages(
    tenant: Tenant,
) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo"]  # created in this order
    people = [
        await tenant.create_contact(firstName=n, tags=["vip"] if n.istitle() else []) for n in names
    ]
    made = await linked(tenant, people[2]["id"], createCompany={"name": "Acme"})
    company = made["record"]["id"]
    for p in (people[0], people[3], people[1]):  # linked: charlie, delta, Bravo, Alpha
        await linked(tenant, p["id"], targetId=company, targetType="COMPANY")
    linked_order = ["charlie", "delta", "Bravo", "Alpha"]
    by_name = sorted(names, key=str.lower)
    orders: list[tuple[dict[str, str] | None, list[str]]] = [
        (None, linked_order[::-1]),  # newest link first
        ({"direction": "ASC"}, linked_order),
        ({"field": "FIRST_NAME", "direction": "ASC"}, by_name),
        ({"field": "FIRST_NAME"}, by_name[::-1]),
        ({"field": "CREATED_AT", "direction": "ASC"}, names),
        ({"field": "UPDATED_AT", "direction": "DESC"}, names[::-1]),
    ]
    for order, expected in orders:
        one = await company_contacts(tenant, company, orderBy=order, first=3)
        two = await company_contacts(
            tenant, company, orderBy=order, after=one["pageInfo"]["endCursor"]
        )
        assert one["totalCount"] == two["totalCount"] == 4
        assert (one["pageInfo"]["hasNextPage"], two["pageInfo"]["hasNextPage"]) == (True, False)
        assert two["pageInfo"]["hasPreviousPage"] is True
        assert first_names(one) + first_names(two) == expected, order
    vips = await company_contacts(tenant, company, filter={"tags": {"any": ["vip"]}})
    assert (vips["totalCount"], first_names(vips)) == (2, ["Alpha", "Bravo"])
    either = {"or": [{"name": {"startsWith": "ch"}}, {"name": {"startsWith": "DE"}}]}
    found = await company_contacts(tenant, company, filter=either, orderBy={"direction": "ASC"})
    assert (found["totalCount"], first_names(found)) == (2, ["charlie", "delta"])
    # archived contacts are left out unless the filter asks, as in `contacts`
    archived_one = await tenant.mutate("contactArchive", {"contactId": people[0]["id"]})
    assert archived_one["userErrors"] == []
    active = await company_contacts(tenant, company)
    assert (active["totalCount"], first_names(active)) == (3, ["Alpha", "Bravo", "charlie"])
    archived = await company_contacts(tenant, company, filter={"archived": True})
    assert (archived["totalCount"], first_names(archived)) == (1, ["delta"])
    naive = await tenant.raw(
        LINKED,
        {
            "reps": [{"__typename": "Company", "id": company}],
            "filter": {"createdAt": {"from": "2026-01-01T00:00:00"}},
        },
        tenant.admin,
    )
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_records_contacts_follow_visibility_with_a_filter(tenant: Tenant) -> None:
    dan = tenant.viewer("user-dan", assigned_only=True)
    mine = await tenant.create_contact(firstName="Mine", ownerId="user-dan", tags=["t"])
    hidden = await tenant.create_contact(firstName="Hidden", ownerId="user-eve", tags=["t"])
    made = await linked(tenant, mine["id"], createCompany={"name": "Acme"})
    company = made["record"]["id"]
    await linked(tenant, hidden["id"], targetId=company, targetType="COMPANY")
    reps = [{"__typename": "Company", "id": company}]
    variables = {"reps": reps, "filter": {"tags": {"any": ["t"]}}}
    seen = (await tenant.gql(LINKED, variables, dan))["_entities"][0]["contacts"]
    assert (seen["totalCount"], first_names(seen)) == (1, ["Mine"])
    everyone = (await tenant.gql(LINKED, variables))["_entities"][0]["contacts"]
    assert everyone["totalCount"] == 2
