"""Custom fields (Additional Info): definitions per location and typed values."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from domain import custom_fields as cf
from resolvers import documents
from resolvers.common import Info, Outcome
from schema.common import UserError
from schema.enums import CustomFieldType
from schema.scalars import BigInt

if TYPE_CHECKING:
    from schema.documents import ContactDocument


@strawberry.type(description="A custom field defined for the location (Settings > Custom Fields).")
class CustomFieldDefinition:
    id: strawberry.ID = strawberry.field(description="The field's id.")
    key: str = strawberry.field(description="Stable key used in inputs and filters.")
    name: str = strawberry.field(description="Name shown to people.")
    data_type: CustomFieldType = strawberry.field(description="What values it takes.")
    options: list[str] = strawberry.field(
        description="Choices of SINGLE_OPTION and MULTIPLE_OPTIONS fields; empty otherwise."
    )
    created_at: datetime = strawberry.field(description="When it was defined.")

    @classmethod
    def from_domain(cls, d: cf.CustomFieldDefinition) -> CustomFieldDefinition:
        return cls(
            id=strawberry.ID(d.id),
            key=d.key,
            name=d.name,
            data_type=d.data_type,
            options=list(d.options),
            created_at=d.created_at,
        )


@strawberry.type(description="Value of a TEXT, LARGE_TEXT, PHONE (E.164) or EMAIL field.")
class CustomFieldText:
    text: str = strawberry.field(description="The text.")


@strawberry.type(description="Value of a NUMBER field.")
class CustomFieldNumber:
    number: float = strawberry.field(description="The number.")


@strawberry.federation.type(
    shareable=True,
    description="An amount of money in minor units (cents) of a currency (other subgraphs "
    "define it too).",
)
class Money:
    amount: BigInt = strawberry.field(description="Minor units, e.g. 1999 for 19.99.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")


@strawberry.type(description="Value of a MONETARY field.")
class CustomFieldMoney:
    money: Money = strawberry.field(description="The amount.")


@strawberry.type(description="Value of a DATE field.")
class CustomFieldDate:
    date: date = strawberry.field(description="The date.")


@strawberry.type(description="Value of a CHECKBOX field.")
class CustomFieldCheckbox:
    checked: bool = strawberry.field(description="Whether the box is ticked.")


@strawberry.type(description="Value of a SINGLE_OPTION field.")
class CustomFieldOption:
    option: str = strawberry.field(description="The chosen option.")


@strawberry.type(description="Value of a MULTIPLE_OPTIONS field.")
class CustomFieldOptions:
    options: list[str] = strawberry.field(description="The chosen options.")


@strawberry.type(
    description="Value of a FILE_UPLOAD field: documents of the contact, the same ones its "
    "Documents tab lists in INTERNAL / Custom Fields (one upload, two views)."
)
class CustomFieldFiles:
    document_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(
        description="The documents, in the order they were added; a deleted one drops out."
    )
    async def files(
        self, info: Info
    ) -> list[Annotated[ContactDocument, strawberry.lazy("schema.documents")]]:
        from schema.documents import ContactDocument

        return [
            ContactDocument.from_domain(x) for x in await documents.by_ids(info, self.document_ids)
        ]


CustomFieldValue = Annotated[
    CustomFieldText
    | CustomFieldNumber
    | CustomFieldMoney
    | CustomFieldDate
    | CustomFieldCheckbox
    | CustomFieldOption
    | CustomFieldOptions
    | CustomFieldFiles,
    strawberry.union("CustomFieldValue", description="A typed custom field value."),
]


def value_from_domain(kind: cf.CustomFieldType, v: cf.CustomValue) -> CustomFieldValue:
    member = cf.member_for(kind)
    if member == "text":
        return CustomFieldText(text=str(v))
    if member == "number":
        return CustomFieldNumber(number=float(v))  # type: ignore[arg-type]
    if member == "money":
        assert isinstance(v, cf.Money)
        return CustomFieldMoney(money=Money(amount=BigInt(v.amount), currency=v.currency))
    if member == "date":
        assert isinstance(v, date)
        return CustomFieldDate(date=v)
    if member == "checked":
        return CustomFieldCheckbox(checked=bool(v))
    if member == "option":
        return CustomFieldOption(option=str(v))
    if member == "options":
        return CustomFieldOptions(options=[str(o) for o in v])  # type: ignore[union-attr]
    assert isinstance(v, tuple)
    return CustomFieldFiles(
        document_ids=tuple(f.document_id for f in v if isinstance(f, cf.FileRef))
    )


@strawberry.type(description="A custom field's value on a contact, with its definition.")
class ContactCustomFieldValue:
    field: CustomFieldDefinition = strawberry.field(description="The field's definition.")
    value: CustomFieldValue = strawberry.field(description="The typed value.")

    @classmethod
    def from_domain(cls, d: cf.CustomFieldDefinition, v: cf.CustomValue) -> ContactCustomFieldValue:
        return cls(
            field=CustomFieldDefinition.from_domain(d), value=value_from_domain(d.data_type, v)
        )


# -- inputs ------------------------------------------------------------------------------------


@strawberry.input(description="An amount of money.")
class MoneyInput:
    amount: BigInt = strawberry.field(description="Minor units, e.g. 1999 for 19.99.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")


@strawberry.input(
    description="A document of the contact (upload files with contactDocumentsUpload and "
    "origin CUSTOM_FIELD to add them to the field in one step)."
)
class CustomFieldFileInput:
    document_id: strawberry.ID = strawberry.field(description="The document's id.")


@strawberry.input(
    description="A value for one custom field: give exactly the member that "
    "matches the field's type (text for TEXT, LARGE_TEXT, PHONE, "
    "EMAIL; number; money for MONETARY; date; checked for CHECKBOX; "
    "option for SINGLE_OPTION; options for MULTIPLE_OPTIONS; files "
    "for FILE_UPLOAD). Give none to clear the value."
)
class CustomFieldValueInput:
    text: str | None = strawberry.field(default=None, description="Text value.")
    number: float | None = strawberry.field(default=None, description="Number value.")
    money: MoneyInput | None = strawberry.field(default=None, description="Money value.")
    date: date | None = strawberry.field(default=None, description="Date value.")
    checked: bool | None = strawberry.field(default=None, description="Checkbox value.")
    option: str | None = strawberry.field(default=None, description="Single option.")
    options: list[str] | None = strawberry.field(default=None, description="Several options.")
    files: list[CustomFieldFileInput] | None = strawberry.field(default=None, description="Files.")

    def to_domain(self) -> cf.CustomValueInput:
        return cf.CustomValueInput(
            text=self.text,
            number=self.number,
            money=cf.Money(self.money.amount, self.money.currency) if self.money else None,
            date=self.date,
            checked=self.checked,
            option=self.option,
            options=tuple(self.options) if self.options is not None else None,
            files=tuple(cf.FileRef(str(f.document_id)) for f in self.files)
            if self.files is not None
            else None,
        )


@strawberry.input(description="Set one custom field, by key.")
class CustomFieldValueByKeyInput:
    key: str = strawberry.field(description="The field's key.")
    value: CustomFieldValueInput | None = strawberry.field(
        default=None, description="The value; null clears it."
    )


@strawberry.input(description="Define a custom field for the location (admins only).")
class CustomFieldCreateInput:
    key: str = strawberry.field(
        description="Stable key: a-z, 0-9 and _, starting with a "
        "letter, at most 64 characters; unique per "
        "location."
    )
    name: str = strawberry.field(description="Name shown to people.")
    data_type: CustomFieldType = strawberry.field(description="What values it takes.")
    options: list[str] = strawberry.field(
        default_factory=list,
        description="Choices; required for SINGLE_OPTION and "
        "MULTIPLE_OPTIONS, forbidden otherwise.",
    )


@strawberry.input(description="Rename a custom field or add options (admins only).")
class CustomFieldUpdateInput:
    id: strawberry.ID = strawberry.field(description="The field's id.")
    name: str | None = strawberry.field(default=None, description="New name.")
    options: list[str] | None = strawberry.field(
        default=None,
        description="The full new list of options; existing options cannot be removed.",
    )


@strawberry.input(
    description="Delete a custom field and its values on every contact (admins only)."
)
class CustomFieldDeleteInput:
    id: strawberry.ID = strawberry.field(description="The field's id.")


@strawberry.interface(description="What every custom field definition mutation returns.")
class CustomFieldMutationPayload:
    custom_field: CustomFieldDefinition | None = strawberry.field(
        description="The field as it is now (as it was, for a delete); null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[cf.CustomFieldDefinition]) -> Self:
        return cls(
            custom_field=CustomFieldDefinition.from_domain(outcome.value)
            if outcome.value
            else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of customFieldCreate.")
class CustomFieldCreatePayload(CustomFieldMutationPayload):
    pass


@strawberry.type(description="Result of customFieldUpdate.")
class CustomFieldUpdatePayload(CustomFieldMutationPayload):
    pass


@strawberry.type(description="Result of customFieldDelete.")
class CustomFieldDeletePayload(CustomFieldMutationPayload):
    pass
