"""Creating, updating, upserting, archiving contacts through the API."""

from __future__ import annotations

from typing import Any

from support import Tenant

AUDIT = """query($id: ID!) { contact(id: $id) { auditLog(first: 50) { totalCount
  edges { node { kind actor { id } changes { field before after } } } } } }"""


async def audit(t: Tenant, contact_id: str) -> list[dict[str, Any]]:
    data = await t.gql(AUDIT, {"id": contact_id})
    return [e["node"] for e in data["contact"]["auditLog"]["edges"]]


async def test_create_contact_with_the_whole_record(tenant: Tenant) -> None:
    await tenant.mutate(
        "customFieldCreate",
        {"key": "score", "name": "Score", "dataType": "NUMBER"},
        selection="customField { id }",
    )
    contact = await tenant.create_contact(
        firstName=" Ada ",
        lastName="Lovelace",
        type="CUSTOMER",
        timeZone="Europe/London",
        address={"city": "London", "country": "gb"},
        website="ada.example.org",
        phones=[
            {"number": "(415) 555-0100", "label": "MOBILE"},
            {"number": "+44 20 7183 8750", "label": "WORK", "primary": True},
        ],
        emails=[{"address": "Ada@Example.org"}],
        tags=["VIP ", "vip", "Math"],
        ownerId="user-1",
        followerIds=["user-2", "user-3"],
        dnd=[{"channel": "SMS", "enabled": True}],
        customFields=[{"key": "score", "value": {"number": 42}}],
    )
    assert contact["fullName"] == "Ada Lovelace"
    assert contact["type"] == "CUSTOMER"
    assert contact["website"] == "https://ada.example.org"
    assert contact["address"]["country"] == "GB"
    assert [(p["number"], p["label"], p["isPrimary"]) for p in contact["phones"]] == [
        ("+14155550100", "MOBILE", False),
        ("+442071838750", "WORK", True),
    ]
    assert contact["primaryEmail"] == {"address": "Ada@example.org"}
    assert contact["tags"] == ["vip", "math"]
    assert contact["owner"] == {"id": "user-1"}
    assert [f["id"] for f in contact["followers"]] == ["user-2", "user-3"]
    sms = next(c for c in contact["dnd"]["channels"] if c["channel"] == "SMS")
    assert sms == {
        "channel": "SMS",
        "enabled": True,
        "blocked": True,
        "changedBy": {"id": "user-admin"},
    }
    assert contact["customFields"] == [
        {
            "field": {"key": "score", "dataType": "NUMBER"},
            "value": {"__typename": "CustomFieldNumber", "number": 42.0},
        }
    ]
    # read back in a fresh request: what was stored, not what was primed
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { fullName tags phones { number } } }",
        {"id": contact["id"]},
    )
    assert data["contact"] == {
        "fullName": "Ada Lovelace",
        "tags": ["vip", "math"],
        "phones": [{"number": "+14155550100"}, {"number": "+442071838750"}],
    }
    (created,) = await audit(tenant, contact["id"])
    assert created["kind"] == "CONTACT_CREATED"
    assert created["actor"] == {"id": "user-admin"}
    fields = {c["field"]: c for c in created["changes"]}
    assert fields["firstName"] == {"field": "firstName", "before": None, "after": "Ada"}
    assert fields["customFields.score"]["after"] == 42


async def test_update_is_a_patch_and_records_before_and_after(tenant: Tenant) -> None:
    contact = await tenant.create_contact(
        firstName="Grace", lastName="Hopper", source="Referral", address={"city": "Arlington"}
    )
    payload = await tenant.mutate(
        "contactUpdate",
        {
            "contactId": contact["id"],
            "lastName": "Murray",
            "source": None,
            "address": {"state": "VA"},
        },
    )
    assert payload["userErrors"] == []
    updated = payload["contact"]
    assert updated["firstName"] == "Grace"  # not sent: unchanged
    assert updated["lastName"] == "Murray"
    assert updated["source"] is None  # sent as null: cleared
    assert updated["address"]["city"] == "Arlington"
    assert updated["address"]["state"] == "VA"
    assert updated["updatedAt"] >= contact["updatedAt"]
    latest = (await audit(tenant, contact["id"]))[0]
    assert latest["kind"] == "CONTACT_UPDATED"
    changes = {c["field"]: (c["before"], c["after"]) for c in latest["changes"]}
    assert changes["lastName"] == ("Hopper", "Murray")
    assert changes["source"] == ("Referral", None)
    assert "firstName" not in changes


async def test_rejected_create_writes_nothing(tenant: Tenant) -> None:
    phones = [{"number": f"+1415555{i:04d}"} for i in range(100, 112)]  # 12 numbers
    payload = await tenant.mutate("contactCreate", {"firstName": "Too", "phones": phones})
    assert payload["contact"] is None
    assert payload["userErrors"] == [
        {
            "field": ["input", "phones", "11"],
            "code": "LIMIT_EXCEEDED",
            "message": "a contact can have at most 11 phones (1 primary + 10 additional)",
        }
    ]
    data = await tenant.gql("{ contacts { totalCount } }")
    assert data["contacts"]["totalCount"] == 0


async def test_invalid_fields_are_typed_user_errors(tenant: Tenant) -> None:
    cases = [
        ({"timeZone": "Mars/Olympus"}, ["input", "timeZone"], "INVALID_VALUE"),
        ({"dateOfBirth": "2199-01-01"}, ["input", "dateOfBirth"], "INVALID_VALUE"),
        ({"website": "not a url"}, ["input", "website"], "INVALID_VALUE"),
        ({"firstName": "x" * 256}, ["input", "firstName"], "TOO_LONG"),
        ({"phones": [{"number": "12"}]}, ["input", "phones", "0", "number"], "INVALID_PHONE"),
        ({"emails": [{"address": "nope@"}]}, ["input", "emails", "0", "address"], "INVALID_EMAIL"),
        ({"followerIds": [f"u{i}" for i in range(11)]}, ["input", "followerIds"], "LIMIT_EXCEEDED"),
        (
            {"customFields": [{"key": "missing", "value": {"text": "x"}}]},
            ["input", "customFields", "0", "key"],
            "NOT_FOUND",
        ),
    ]
    for input, field, code in cases:
        payload = await tenant.mutate("contactCreate", input)
        assert payload["contact"] is None, input
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)], input
    assert (await tenant.gql("{ contacts { totalCount } }"))["contacts"]["totalCount"] == 0


async def test_upsert_matches_by_email_then_phone_or_creates(tenant: Tenant) -> None:
    first = await tenant.mutate(
        "contactUpsert",
        {"firstName": "Linus", "emails": [{"address": "linus@example.org"}]},
        selection="created " + "contact { id firstName tags phones { number } }",
    )
    assert first["created"] is True
    again = await tenant.mutate(
        "contactUpsert",
        {
            "emails": [{"address": "LINUS@example.org"}],
            "tags": ["kernel"],
            "phones": [{"number": "415 555 0142"}],
        },
        selection="created contact { id firstName tags phones { number } }",
    )
    assert again["created"] is False
    assert again["contact"]["id"] == first["contact"]["id"]
    assert again["contact"]["firstName"] == "Linus"  # not in the input: kept
    assert again["contact"]["tags"] == ["kernel"]
    by_phone = await tenant.mutate(
        "contactUpsert",
        {"phones": [{"number": "+1 (415) 555-0142"}], "lastName": "Torvalds"},
        selection="created contact { id lastName phones { number } }",
    )
    assert by_phone["created"] is False
    assert by_phone["contact"]["id"] == first["contact"]["id"]
    assert by_phone["contact"]["phones"] == [{"number": "+14155550142"}]
    assert (await tenant.gql("{ contacts { totalCount } }"))["contacts"]["totalCount"] == 1


async def test_archive_hides_from_list_and_restore_brings_back(tenant: Tenant) -> None:
    kept = await tenant.create_contact(firstName="Kept")
    gone = await tenant.create_contact(firstName="Gone")
    archived = await tenant.mutate("contactArchive", {"contactId": gone["id"]})
    assert archived["contact"]["archived"] is True
    listed = await tenant.gql("{ contacts { totalCount edges { node { id } } } }")
    assert [e["node"]["id"] for e in listed["contacts"]["edges"]] == [kept["id"]]
    only_archived = await tenant.gql(
        "{ contacts(filter: {archived: true}) { edges { node { id } } } }"
    )
    assert [e["node"]["id"] for e in only_archived["contacts"]["edges"]] == [gone["id"]]
    restored = await tenant.mutate("contactRestore", {"contactId": gone["id"]})
    assert restored["contact"]["archived"] is False
    assert (await tenant.gql("{ contacts { totalCount } }"))["contacts"]["totalCount"] == 2
    kinds = [e["kind"] for e in await audit(tenant, gone["id"])]
    assert kinds == ["CONTACT_RESTORED", "CONTACT_ARCHIVED", "CONTACT_CREATED"]


async def test_mutation_on_unknown_contact_is_not_found(tenant: Tenant) -> None:
    for mutation, input in [
        ("contactUpdate", {"contactId": "no-such-id", "firstName": "X"}),
        ("contactArchive", {"contactId": "no-such-id"}),
        ("contactRestore", {"contactId": "no-such-id"}),
    ]:
        payload = await tenant.mutate(mutation, input)
        assert payload["contact"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "contactId"], "NOT_FOUND")
        ], mutation
