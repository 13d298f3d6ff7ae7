"""Phones, emails, tags, owner, followers, DND and custom fields through the API: every
rule of the help page, and a refused change that changes nothing."""

from __future__ import annotations

from typing import Any

from support import Tenant

from server.seed_tabs import demo_pdf

RECORD = """query($id: ID!) { contact(id: $id) { updatedAt tags owner { id } followers { id }
  phones { id number label isPrimary } emails { id address label isPrimary }
  dnd { allChannels { enabled } channels { channel enabled blocked } }
  customFields { field { key } value { __typename ... on CustomFieldText { text }
    ... on CustomFieldOption { option } ... on CustomFieldOptions { options }
    ... on CustomFieldMoney { money { amount currency } } ... on CustomFieldDate { date }
    ... on CustomFieldCheckbox { checked } ... on CustomFieldNumber { number }
    ... on CustomFieldFiles { files { id name } } } }
  auditLog { totalCount } } }"""


async def record(t: Tenant, contact_id: str) -> dict[str, Any]:
    data = await t.gql(RECORD, {"id": contact_id})
    contact: dict[str, Any] = data["contact"]
    return contact


async def refused(
    t: Tenant, mutation: str, input: dict[str, Any], contact_id: str, code: str
) -> dict[str, Any]:
    """Run a mutation that must be refused with ``code`` and must change nothing."""
    before = await record(t, contact_id)
    payload = await t.mutate(mutation, input)
    assert payload["contact"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
    assert await record(t, contact_id) == before
    error: dict[str, Any] = payload["userErrors"][0]
    return error


async def unchanged(t: Tenant, mutation: str, input: dict[str, Any], contact_id: str) -> None:
    """Run a mutation whose state already holds: it succeeds, returns the contact as it is,
    and writes and records nothing."""
    before = await record(t, contact_id)
    payload = await t.mutate(mutation, input)
    assert payload["userErrors"] == []
    assert payload["contact"]["updatedAt"] == before["updatedAt"]
    assert await record(t, contact_id) == before


async def test_eleven_phones_then_the_twelfth_is_refused(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Many")
    for i in range(11):
        payload = await tenant.mutate(
            "contactPhoneAdd", {"contactId": c["id"], "number": f"+1415555{i + 100:04d}"}
        )
        assert payload["userErrors"] == []
    phones = (await record(tenant, c["id"]))["phones"]
    assert len(phones) == 11
    assert [p["isPrimary"] for p in phones].count(True) == 1
    assert phones[0]["isPrimary"]  # the first number became primary by itself
    await refused(
        tenant,
        "contactPhoneAdd",
        {"contactId": c["id"], "number": "+14155550999"},
        c["id"],
        "LIMIT_EXCEEDED",
    )


async def test_phone_labels_are_unique_and_primary_rules_hold(tenant: Tenant) -> None:
    c = await tenant.create_contact(
        phones=[
            {"number": "+14155550100", "label": "MOBILE"},
            {"number": "+14155550101", "label": "HOME"},
        ]
    )
    cid = c["id"]
    mobile, home = c["phones"]
    error = await refused(
        tenant,
        "contactPhoneAdd",
        {"contactId": cid, "number": "+14155550102", "label": "MOBILE"},
        cid,
        "LABEL_TAKEN",
    )
    assert error["field"] == ["input", "label"]
    await refused(
        tenant,
        "contactPhoneUpdate",
        {"contactId": cid, "phoneId": home["id"], "label": "MOBILE"},
        cid,
        "LABEL_TAKEN",
    )
    # a number it has, in another format and with another label: it stays as it is
    await unchanged(
        tenant,
        "contactPhoneAdd",
        {"contactId": cid, "number": "(415) 555-0100", "label": "WORK"},
        cid,
    )
    # the primary cannot be deleted until another number is primary
    await refused(
        tenant,
        "contactPhoneRemove",
        {"contactId": cid, "phoneId": mobile["id"]},
        cid,
        "PRIMARY_NOT_DELETABLE",
    )
    moved = await tenant.mutate("contactPhoneSetPrimary", {"contactId": cid, "phoneId": home["id"]})
    assert [(p["number"], p["isPrimary"]) for p in moved["contact"]["phones"]] == [
        ("+14155550100", False),
        ("+14155550101", True),
    ]
    removed = await tenant.mutate("contactPhoneRemove", {"contactId": cid, "phoneId": mobile["id"]})
    assert [p["number"] for p in removed["contact"]["phones"]] == ["+14155550101"]
    relabelled = await tenant.mutate(
        "contactPhoneUpdate",
        {"contactId": cid, "phoneId": home["id"], "label": "MOBILE", "number": "415-555-0177"},
    )
    assert relabelled["contact"]["phones"] == [
        {"id": home["id"], "number": "+14155550177", "label": "MOBILE", "isPrimary": True}
    ]
    cleared = await tenant.mutate(
        "contactPhoneUpdate", {"contactId": cid, "phoneId": home["id"], "label": None}
    )
    assert cleared["contact"]["phones"][0]["label"] is None


async def test_emails_have_one_primary_and_match_case_insensitively(tenant: Tenant) -> None:
    c = await tenant.create_contact(emails=[{"address": "a@example.org"}])
    cid = c["id"]
    added = await tenant.mutate(
        "contactEmailAdd",
        {"contactId": cid, "address": "b@example.org", "label": "WORK", "primary": True},
    )
    emails = added["contact"]["emails"]
    assert [(e["address"], e["isPrimary"]) for e in emails] == [
        ("a@example.org", False),
        ("b@example.org", True),
    ]
    assert added["contact"]["primaryEmail"] == {"address": "b@example.org"}
    await unchanged(
        tenant,
        "contactEmailAdd",
        {"contactId": cid, "address": "A@EXAMPLE.org", "primary": True},
        cid,
    )
    await refused(
        tenant,
        "contactEmailAdd",
        {"contactId": cid, "address": "not-an-email"},
        cid,
        "INVALID_EMAIL",
    )
    await refused(
        tenant,
        "contactEmailRemove",
        {"contactId": cid, "emailId": emails[1]["id"]},
        cid,
        "PRIMARY_NOT_DELETABLE",
    )
    await tenant.mutate("contactEmailSetPrimary", {"contactId": cid, "emailId": emails[0]["id"]})
    after = await tenant.mutate(
        "contactEmailRemove", {"contactId": cid, "emailId": emails[1]["id"]}
    )
    assert after["contact"]["emails"] == [
        {"id": emails[0]["id"], "address": "a@example.org", "label": None, "isPrimary": True}
    ]
    for i in range(10):
        await tenant.mutate("contactEmailAdd", {"contactId": cid, "address": f"x{i}@example.org"})
    await refused(
        tenant,
        "contactEmailAdd",
        {"contactId": cid, "address": "y@example.org"},
        cid,
        "LIMIT_EXCEEDED",
    )


async def test_error_paths_name_the_fields_of_each_input(tenant: Tenant) -> None:
    """Every userErrors.field is a path to a field the mutation's input really has."""
    c = await tenant.create_contact(
        phones=[{"number": "+14155550100", "label": "MOBILE"}, {"number": "+14155550101"}],
        emails=[{"address": "a@example.org", "label": "WORK"}, {"address": "b@example.org"}],
    )
    cid = c["id"]
    (phone, other_phone), (email, other_email) = c["phones"], c["emails"]
    cases: list[tuple[str, dict[str, Any], list[str], str]] = [
        ("contactPhoneAdd", {"number": "12"}, ["input", "number"], "INVALID_PHONE"),
        (
            "contactPhoneAdd",
            {"number": "+14155550102", "label": "MOBILE"},
            ["input", "label"],
            "LABEL_TAKEN",
        ),
        ("contactPhoneUpdate", {"phoneId": "nope"}, ["input", "phoneId"], "NOT_FOUND"),
        (
            "contactPhoneUpdate",
            {"phoneId": other_phone["id"], "number": "12"},
            ["input", "number"],
            "INVALID_PHONE",
        ),
        (
            "contactPhoneUpdate",
            {"phoneId": other_phone["id"], "number": "+14155550100"},
            ["input", "number"],
            "DUPLICATE",
        ),
        (
            "contactPhoneUpdate",
            {"phoneId": other_phone["id"], "label": "MOBILE"},
            ["input", "label"],
            "LABEL_TAKEN",
        ),
        ("contactPhoneSetPrimary", {"phoneId": "nope"}, ["input", "phoneId"], "NOT_FOUND"),
        ("contactPhoneRemove", {"phoneId": "nope"}, ["input", "phoneId"], "NOT_FOUND"),
        (
            "contactPhoneRemove",
            {"phoneId": phone["id"]},
            ["input", "phoneId"],
            "PRIMARY_NOT_DELETABLE",
        ),
        ("contactEmailAdd", {"address": "nope@"}, ["input", "address"], "INVALID_EMAIL"),
        (
            "contactEmailAdd",
            {"address": "c@example.org", "label": "WORK"},
            ["input", "label"],
            "LABEL_TAKEN",
        ),
        ("contactEmailUpdate", {"emailId": "nope"}, ["input", "emailId"], "NOT_FOUND"),
        (
            "contactEmailUpdate",
            {"emailId": other_email["id"], "address": "nope@"},
            ["input", "address"],
            "INVALID_EMAIL",
        ),
        (
            "contactEmailUpdate",
            {"emailId": other_email["id"], "address": "A@EXAMPLE.ORG"},
            ["input", "address"],
            "DUPLICATE",
        ),
        (
            "contactEmailUpdate",
            {"emailId": other_email["id"], "label": "WORK"},
            ["input", "label"],
            "LABEL_TAKEN",
        ),
        ("contactEmailSetPrimary", {"emailId": "nope"}, ["input", "emailId"], "NOT_FOUND"),
        ("contactEmailRemove", {"emailId": "nope"}, ["input", "emailId"], "NOT_FOUND"),
        (
            "contactEmailRemove",
            {"emailId": email["id"]},
            ["input", "emailId"],
            "PRIMARY_NOT_DELETABLE",
        ),
    ]
    for mutation, input, field, code in cases:
        error = await refused(tenant, mutation, {"contactId": cid, **input}, cid, code)
        assert error["field"] == field, (mutation, input)
    for draft, field, code in [
        ({"phones": [{"number": "12"}]}, ["input", "phones", "0", "number"], "INVALID_PHONE"),
        (
            {
                "phones": [
                    {"number": "+14155550150", "label": "HOME"},
                    {"number": "+14155550151", "label": "HOME"},
                ]
            },
            ["input", "phones", "1", "label"],
            "LABEL_TAKEN",
        ),
        (
            {
                "emails": [
                    {"address": "x@example.org", "label": "HOME"},
                    {"address": "y@example.org", "label": "HOME"},
                ]
            },
            ["input", "emails", "1", "label"],
            "LABEL_TAKEN",
        ),
        ({"emails": [{"address": "nope@"}]}, ["input", "emails", "0", "address"], "INVALID_EMAIL"),
    ]:
        for mutation in ("contactCreate", "contactUpsert"):
            payload = await tenant.mutate(mutation, draft)
            assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)], (
                mutation,
                draft,
            )


async def test_tags_add_and_remove_never_overwrite(tenant: Tenant) -> None:
    c = await tenant.create_contact(tags=["alpha", "beta"])
    added = await tenant.mutate(
        "contactTagsAdd", {"contactId": c["id"], "tags": ["Gamma", "alpha"]}
    )
    assert added["contact"]["tags"] == ["alpha", "beta", "gamma"]
    removed = await tenant.mutate(
        "contactTagsRemove", {"contactId": c["id"], "tags": ["BETA", "zeta"]}
    )
    assert removed["contact"]["tags"] == ["alpha", "gamma"]
    before = (await record(tenant, c["id"]))["auditLog"]["totalCount"]
    noop = await tenant.mutate("contactTagsAdd", {"contactId": c["id"], "tags": ["alpha"]})
    assert noop["userErrors"] == []
    assert (await record(tenant, c["id"]))["auditLog"]["totalCount"] == before  # no event
    await refused(
        tenant, "contactTagsAdd", {"contactId": c["id"], "tags": ["  "]}, c["id"], "REQUIRED"
    )


async def test_owner_and_at_most_ten_followers(tenant: Tenant) -> None:
    c = await tenant.create_contact(followerIds=[f"user-{i}" for i in range(8)])
    cid = c["id"]
    owner = await tenant.mutate("contactOwnerSet", {"contactId": cid, "ownerId": "user-9"})
    assert owner["contact"]["owner"] == {"id": "user-9"}
    await refused(
        tenant,
        "contactFollowersAdd",
        {"contactId": cid, "userIds": ["user-a", "user-b", "user-c"]},
        cid,
        "LIMIT_EXCEEDED",
    )
    full = await tenant.mutate(
        "contactFollowersAdd", {"contactId": cid, "userIds": ["user-a", "user-b", "user-0"]}
    )
    assert len(full["contact"]["followers"]) == 10
    less = await tenant.mutate(
        "contactFollowersRemove", {"contactId": cid, "userIds": ["user-0", "nobody"]}
    )
    assert [f["id"] for f in less["contact"]["followers"]][-2:] == ["user-a", "user-b"]
    assert len(less["contact"]["followers"]) == 9
    cleared = await tenant.mutate("contactOwnerSet", {"contactId": cid, "ownerId": None})
    assert cleared["contact"]["owner"] is None


async def test_dnd_per_channel_and_all_channels(tenant: Tenant) -> None:
    c = await tenant.create_contact(firstName="Quiet")
    cid = c["id"]
    one = await tenant.mutate(
        "contactDndSet", {"contactId": cid, "settings": [{"channel": "EMAIL", "enabled": True}]}
    )
    states = {s["channel"]: s for s in one["contact"]["dnd"]["channels"]}
    assert states["EMAIL"]["blocked"] is True
    assert states["SMS"]["blocked"] is False
    assert [s["channel"] for s in one["contact"]["dnd"]["channels"]] == [
        "SMS",
        "CALL",
        "EMAIL",
        "FACEBOOK",
        "GMB",
        "WHATSAPP",
    ]
    everything = await tenant.mutate(
        "contactDndSet", {"contactId": cid, "settings": [{"channel": "ALL", "enabled": True}]}
    )
    dnd = everything["contact"]["dnd"]
    assert dnd["allChannels"]["enabled"] is True
    assert all(s["blocked"] for s in dnd["channels"])
    assert [s["enabled"] for s in dnd["channels"]].count(True) == 1  # only EMAIL itself
    data = await tenant.gql(
        "query($id: ID!) { contact(id: $id) { auditLog(first: 1) { edges "
        "{ node { kind changes { field before after } } } } } }",
        {"id": cid},
    )
    (latest,) = data["contact"]["auditLog"]["edges"]
    assert latest["node"] == {
        "kind": "DND_CHANGED",
        "changes": [{"field": "dnd.ALL", "before": False, "after": True}],
    }


async def test_custom_fields_typed_values(tenant: Tenant) -> None:
    fields = [
        ("title", "TEXT", []),
        ("size", "NUMBER", []),
        ("deal", "MONETARY", []),
        ("renewal", "DATE", []),
        ("vip", "CHECKBOX", []),
        ("tier", "SINGLE_OPTION", ["Gold", "Silver"]),
        ("topics", "MULTIPLE_OPTIONS", ["A", "B", "C"]),
        ("mobile", "PHONE", []),
        ("contract", "FILE_UPLOAD", []),
    ]
    for key, kind, options in fields:
        payload = await tenant.mutate(
            "customFieldCreate",
            {"key": key, "name": key.title(), "dataType": kind, "options": options},
            selection="customField { key dataType options }",
        )
        assert payload["userErrors"] == []
        assert payload["customField"] == {"key": key, "dataType": kind, "options": options}
    c = await tenant.create_contact(firstName="Typed")
    cid = c["id"]
    uploaded = await tenant.upload({"contactId": cid}, [("c.pdf", demo_pdf("contract"))])
    doc_id = uploaded.json()["data"]["contactDocumentsUpload"]["documents"][0]["id"]
    values = [
        {"key": "title", "value": {"text": "CTO"}},
        {"key": "size", "value": {"number": 12.5}},
        {"key": "deal", "value": {"money": {"amount": 129900, "currency": "eur"}}},
        {"key": "renewal", "value": {"date": "2027-03-01"}},
        {"key": "vip", "value": {"checked": True}},
        {"key": "tier", "value": {"option": "Gold"}},
        {"key": "topics", "value": {"options": ["C", "A"]}},
        {"key": "mobile", "value": {"text": "415 555 0100"}},
        {"key": "contract", "value": {"files": [{"documentId": doc_id}]}},
    ]
    payload = await tenant.mutate(
        "contactCustomFieldValuesSet", {"contactId": cid, "values": values}
    )
    assert payload["userErrors"] == []
    got = {f["field"]["key"]: f["value"] for f in (await record(tenant, cid))["customFields"]}
    assert got == {
        "title": {"__typename": "CustomFieldText", "text": "CTO"},
        "size": {"__typename": "CustomFieldNumber", "number": 12.5},
        "deal": {
            "__typename": "CustomFieldMoney",
            "money": {"amount": "129900", "currency": "EUR"},
        },
        "renewal": {"__typename": "CustomFieldDate", "date": "2027-03-01"},
        "vip": {"__typename": "CustomFieldCheckbox", "checked": True},
        "tier": {"__typename": "CustomFieldOption", "option": "Gold"},
        "topics": {"__typename": "CustomFieldOptions", "options": ["C", "A"]},
        "mobile": {"__typename": "CustomFieldText", "text": "+14155550100"},
        "contract": {
            "__typename": "CustomFieldFiles",
            "files": [{"id": doc_id, "name": "c.pdf"}],
        },
    }
    await refused(
        tenant,
        "contactCustomFieldValuesSet",
        {
            "contactId": cid,
            "values": [
                {"key": "title", "value": {"text": "CEO"}},
                {"key": "size", "value": {"text": "twelve"}},
            ],
        },
        cid,
        "WRONG_VALUE_TYPE",
    )
    await refused(
        tenant,
        "contactCustomFieldValuesSet",
        {"contactId": cid, "values": [{"key": "tier", "value": {"option": "Bronze"}}]},
        cid,
        "UNKNOWN_OPTION",
    )
    cleared = await tenant.mutate(
        "contactCustomFieldValuesSet",
        {"contactId": cid, "values": [{"key": "title", "value": None}]},
    )
    keys = [f["field"]["key"] for f in cleared["contact"]["customFields"]]
    assert "title" not in keys
    assert len(keys) == 8


async def test_custom_field_definitions_are_admin_only_and_validated(tenant: Tenant) -> None:
    user = tenant.viewer("user-plain")
    denied = await tenant.mutate(
        "customFieldCreate",
        {"key": "k", "name": "K", "dataType": "TEXT"},
        selection="customField { id }",
        viewer=user,
    )
    assert [e["code"] for e in denied["userErrors"]] == ["FORBIDDEN"]
    created = await tenant.mutate(
        "customFieldCreate",
        {"key": "tier", "name": "Tier", "dataType": "SINGLE_OPTION", "options": ["A"]},
        selection="customField { id }",
    )
    field_id = created["customField"]["id"]
    dup = await tenant.mutate(
        "customFieldCreate",
        {"key": "tier", "name": "T", "dataType": "TEXT"},
        selection="customField { id }",
    )
    assert [e["code"] for e in dup["userErrors"]] == ["DUPLICATE"]
    no_options = await tenant.mutate(
        "customFieldCreate",
        {"key": "pick", "name": "Pick", "dataType": "SINGLE_OPTION"},
        selection="customField { id }",
    )
    assert [e["code"] for e in no_options["userErrors"]] == ["REQUIRED"]
    shrink = await tenant.mutate(
        "customFieldUpdate", {"id": field_id, "options": ["B"]}, selection="customField { options }"
    )
    assert [e["code"] for e in shrink["userErrors"]] == ["INVALID_VALUE"]
    grow = await tenant.mutate(
        "customFieldUpdate",
        {"id": field_id, "name": "Level", "options": ["A", "B"]},
        selection="customField { name options }",
    )
    assert grow["customField"] == {"name": "Level", "options": ["A", "B"]}
    listed = await tenant.gql("{ customFields { key name } }")
    assert listed["customFields"] == [{"key": "tier", "name": "Level"}]
    c = await tenant.create_contact(customFields=[{"key": "tier", "value": {"option": "B"}}])
    deleted = await tenant.mutate(
        "customFieldDelete", {"id": field_id}, selection="customField { key }"
    )
    assert deleted["customField"] == {"key": "tier"}
    assert (await record(tenant, c["id"]))["customFields"] == []
    assert (await tenant.gql("{ customFields { key } }"))["customFields"] == []
