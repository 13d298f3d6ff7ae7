"""Payments tab, invoices: `Contact.invoices`, the invoice builder's writes (create, update,
send, pay, void) and the invoice timeline item."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from domain import invoices as i
from domain.events import ContactEvent, EventKind
from domain.money import percent_text
from persistence.tab_pages import PageRequest
from resolvers import payments as r
from resolvers.common import Info, Outcome
from schema.activity import ContactActivity, register_activity
from schema.common import AfterArg, Connection, FirstArg, InputArg, SortDirection, UserError
from schema.custom_fields import Money
from schema.enums import graphql_enum
from schema.payments import ContactChargePayload, list_page, list_request, money
from schema.scalars import BigInt
from schema.user import User

graphql_enum(
    i.InvoiceStatus,
    "Where an invoice stands.",
    {
        i.InvoiceStatus.DRAFT: "Being built; its items, discounts and taxes can change.",
        i.InvoiceStatus.SENT: "Sent to the contact, not paid yet.",
        i.InvoiceStatus.PAID: "Paid (by a charge of its total).",
        i.InvoiceStatus.VOID: "Voided: nothing is owed.",
    },
    name="ContactInvoiceStatus",
)
graphql_enum(
    i.InvoiceChannel,
    "How an invoice is sent (the messaging system delivers it).",
    {
        i.InvoiceChannel.EMAIL: "By email, to the bill-to address.",
        i.InvoiceChannel.SMS: "By SMS, to the bill-to phone.",
    },
    name="ContactInvoiceChannel",
)
graphql_enum(
    i.InvoiceSortField,
    "What a contact's invoices sort by.",
    {
        i.InvoiceSortField.CREATED_AT: "When the invoice was created.",
        i.InvoiceSortField.TOTAL: "Its total (in minor units, whatever the currency).",
    },
    name="ContactInvoiceSortField",
)


@strawberry.type(description="A line of an invoice.")
class ContactInvoiceItem:
    description: str = strawberry.field(description="What is billed.")
    quantity: int = strawberry.field(description="How many.")
    unit_amount: Money = strawberry.field(description="Price of one.")
    amount: Money = strawberry.field(description="quantity x unit amount.")


@strawberry.type(description="A discount of an invoice and what it takes off.")
class ContactInvoiceDiscount:
    name: str = strawberry.field(description="Its name.")
    percent: str | None = strawberry.field(
        description="The percentage of the subtotal, as a decimal (e.g. 12.5); null for a "
        "fixed amount."
    )
    amount: Money = strawberry.field(description="What it takes off (rounded half up).")


@strawberry.type(description="A tax of an invoice and what it adds.")
class ContactInvoiceTax:
    name: str = strawberry.field(description="Its name, e.g. Sales tax.")
    percent: str = strawberry.field(description="Its rate, as a decimal (e.g. 8.875).")
    amount: Money = strawberry.field(
        description="What it adds: the rate of the discounted subtotal, rounded half up."
    )


@strawberry.type(description="Who an invoice is addressed to (pre-filled from the contact).")
class ContactInvoiceBillTo:
    name: str | None = strawberry.field(description="Name.")
    email: str | None = strawberry.field(description="Where EMAIL sends it.")
    phone: str | None = strawberry.field(description="Where SMS sends it.")


@strawberry.type(
    description="An invoice of the contact. Totals follow one rule: lines are quantity x "
    "unit amount; each percentage discount is of the subtotal and each tax of the discounted "
    "subtotal, each rounded half up to a whole minor unit; total = subtotal - discounts + "
    "taxes."
)
class ContactInvoice:
    id: strawberry.ID = strawberry.field(description="The invoice's id.")
    contact_id: strawberry.ID = strawberry.field(description="The contact billed.")
    status: i.InvoiceStatus = strawberry.field(description="Where it stands.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    items: list[ContactInvoiceItem] = strawberry.field(description="What is billed.")
    discounts: list[ContactInvoiceDiscount] = strawberry.field(description="Discounts.")
    taxes: list[ContactInvoiceTax] = strawberry.field(description="Taxes.")
    subtotal: Money = strawberry.field(description="The sum of the items.")
    discount_total: Money = strawberry.field(description="The sum of the discounts.")
    tax_total: Money = strawberry.field(description="The sum of the taxes.")
    total: Money = strawberry.field(description="What is owed.")
    bill_to: ContactInvoiceBillTo = strawberry.field(description="Who it is addressed to.")
    due_date: date | None = strawberry.field(description="When it is due.")
    memo: str | None = strawberry.field(description="A note printed on it.")
    sent_via: i.InvoiceChannel | None = strawberry.field(description="How it was last sent.")
    sent_to: str | None = strawberry.field(description="The address or number it went to.")
    sent_at: datetime | None = strawberry.field(description="When it was last sent.")
    paid_at: datetime | None = strawberry.field(description="When it was paid.")
    payment_id: strawberry.ID | None = strawberry.field(description="The payment that paid it.")
    voided_at: datetime | None = strawberry.field(description="When it was voided.")
    created_by: User | None = strawberry.field(description="Who created it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_domain(cls, x: i.Invoice) -> ContactInvoice:
        t, cur = x.totals, x.currency
        return cls(
            id=strawberry.ID(x.id),
            contact_id=strawberry.ID(x.contact_id),
            status=x.status,
            currency=cur,
            items=[
                ContactInvoiceItem(
                    description=line.description,
                    quantity=line.quantity,
                    unit_amount=money(line.unit_amount, cur),
                    amount=money(line.amount, cur),
                )
                for line in x.lines
            ],
            discounts=[
                ContactInvoiceDiscount(
                    name=d.name,
                    percent=percent_text(d.percent) if d.percent is not None else None,
                    amount=money(off, cur),
                )
                for d, off in zip(x.discounts, t.discounts, strict=True)
            ],
            taxes=[
                ContactInvoiceTax(
                    name=tax.name, percent=percent_text(tax.percent), amount=money(add, cur)
                )
                for tax, add in zip(x.taxes, t.taxes, strict=True)
            ],
            subtotal=money(t.subtotal, cur),
            discount_total=money(t.discount, cur),
            tax_total=money(t.tax, cur),
            total=money(t.total, cur),
            bill_to=ContactInvoiceBillTo(
                name=x.bill_to.name, email=x.bill_to.email, phone=x.bill_to.phone
            ),
            due_date=x.due_date,
            memo=x.memo,
            sent_via=x.sent_via,
            sent_to=x.sent_to,
            sent_at=x.sent_at,
            paid_at=x.paid_at,
            payment_id=strawberry.ID(x.payment_id) if x.payment_id else None,
            voided_at=x.voided_at,
            created_by=User(id=strawberry.ID(x.created_by)) if x.created_by else None,
            created_at=x.created_at,
            updated_at=x.updated_at,
        )


@strawberry.type(description="An invoice was created, changed, sent, paid or voided.")
class ContactInvoiceActivity(ContactActivity):
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")
    invoice_status: i.InvoiceStatus = strawberry.field(description="Its status after the change.")
    total: Money = strawberry.field(description="Its total after the change.")
    sent_via: i.InvoiceChannel | None = strawberry.field(description="How it was sent (SENT).")
    sent_to: str | None = strawberry.field(description="Where it was sent (SENT).")


_INVOICE_KINDS = (
    EventKind.INVOICE_CREATED,
    EventKind.INVOICE_UPDATED,
    EventKind.INVOICE_SENT,
    EventKind.INVOICE_PAID,
    EventKind.INVOICE_VOIDED,
)


def _invoice_activity(e: ContactEvent, base: dict[str, Any]) -> ContactInvoiceActivity:
    """Invoice events carry {id, status, total, currency} after (domain/invoices.py)."""
    now = e.changes[0].after
    return ContactInvoiceActivity(
        **base,
        invoice_id=strawberry.ID(now["id"]),
        invoice_status=i.InvoiceStatus(now["status"]),
        total=money(now["total"], now["currency"]),
        sent_via=i.InvoiceChannel(now["channel"]) if now.get("channel") else None,
        sent_to=now.get("to"),
    )


register_activity(_INVOICE_KINDS, ContactInvoiceActivity, _invoice_activity)


@strawberry.type(description="A page of a contact's invoices.")
class ContactInvoiceConnection(Connection[ContactInvoice]):
    pass


@strawberry.input(description="Which invoices to list. Every member given must hold.")
class ContactInvoiceFilter:
    statuses: list[i.InvoiceStatus] | None = strawberry.field(
        default=None, description="In one of these statuses (an empty list matches none)."
    )

    def to_domain(self) -> i.InvoiceFilter:
        return i.InvoiceFilter(None if self.statuses is None else tuple(self.statuses))


@strawberry.input(description="How to sort invoices; default newest first.")
class ContactInvoiceOrderBy:
    field: i.InvoiceSortField = strawberry.field(
        default=i.InvoiceSortField.CREATED_AT, description="When, or how much."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Which way."
    )


def invoices_request(
    first: int | None,
    after: str | None,
    filter: ContactInvoiceFilter | None,
    order_by: ContactInvoiceOrderBy | None,
) -> PageRequest:
    """`Contact.invoices`' arguments (the resolver and the compiled reads read them
    through this)."""
    return list_request(
        first,
        after,
        order_by or ContactInvoiceOrderBy(),
        (filter or ContactInvoiceFilter()).to_domain(),
    )


@strawberry.type
class ContactInvoicesFields:
    """`Contact.invoices`; mixed into Contact."""

    id: strawberry.ID

    @strawberry.field(description="The contact's invoices, newest first.")
    async def invoices(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        filter: Annotated[
            ContactInvoiceFilter | None,
            strawberry.argument(description="Which invoices; all of them if omitted."),
        ] = None,
        order_by: Annotated[
            ContactInvoiceOrderBy | None,
            strawberry.argument(description="Sort; default newest first."),
        ] = None,
    ) -> ContactInvoiceConnection:
        return await list_page(  # type: ignore[no-any-return]
            info,
            "invoices",
            str(self.id),
            invoices_request(first, after, filter, order_by),
            ContactInvoice.from_domain,
            ContactInvoiceConnection,
        )


@strawberry.input(description="A line of an invoice.")
class ContactInvoiceItemInput:
    description: str = strawberry.field(description="What is billed; not empty.")
    quantity: int = strawberry.field(default=1, description="How many (1 to 1,000,000).")
    unit_amount: BigInt = strawberry.field(description="Price of one, in minor units (0 or more).")


@strawberry.input(description="A discount: give `amount` or `percent`.")
class ContactInvoiceDiscountInput:
    name: str = strawberry.field(description="Its name, e.g. Loyalty.")
    amount: BigInt | None = strawberry.field(
        default=None, description="A fixed amount off, in minor units."
    )
    percent: str | None = strawberry.field(
        default=None,
        description="A percentage of the subtotal, as a decimal (0-100, at most "
        '4 decimals), e.g. "12.5".',
    )


@strawberry.input(description="A tax rate applied to the discounted subtotal.")
class ContactInvoiceTaxInput:
    name: str = strawberry.field(description="Its name, e.g. Sales tax.")
    percent: str = strawberry.field(
        description='Its rate, as a decimal (0-100, at most 4 decimals), e.g. "8.875".'
    )


@strawberry.input(description="The invoice builder's parts.")
class ContactInvoicePartsInput:
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    items: list[ContactInvoiceItemInput] = strawberry.field(description="Lines (1 to 100).")
    discounts: list[ContactInvoiceDiscountInput] = strawberry.field(
        default_factory=list, description="Discounts (at most 10)."
    )
    taxes: list[ContactInvoiceTaxInput] = strawberry.field(
        default_factory=list, description="Taxes (at most 10)."
    )
    due_date: date | None = strawberry.field(default=None, description="When it is due.")
    memo: str | None = strawberry.field(default=None, description="A note printed on it.")

    def to_domain(self) -> i.InvoiceInput:
        return i.InvoiceInput(
            currency=self.currency,
            lines=[i.InvoiceLine(x.description, x.quantity, x.unit_amount) for x in self.items],
            discounts=[i.DiscountInput(d.name, d.amount, d.percent) for d in self.discounts],
            taxes=[i.TaxInput(t.name, t.percent) for t in self.taxes],
            due_date=self.due_date,
            memo=self.memo,
        )


@strawberry.input(description="Create a DRAFT invoice for a contact (bill-to pre-filled).")
class ContactInvoiceCreateInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    invoice: ContactInvoicePartsInput = strawberry.field(description="Its parts.")


@strawberry.input(description="Replace a DRAFT invoice's parts.")
class ContactInvoiceUpdateInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")
    invoice: ContactInvoicePartsInput = strawberry.field(description="Its new parts.")


@strawberry.input(description="Send an invoice by a channel.")
class ContactInvoiceSendInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")
    channel: i.InvoiceChannel = strawberry.field(description="EMAIL or SMS.")


@strawberry.input(description="Pay an invoice's total with a saved card.")
class ContactInvoicePayInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice (DRAFT or SENT).")
    payment_method_id: strawberry.ID = strawberry.field(description="A saved card of its contact.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Makes retries safe: the same key is the same charge."
    )


@strawberry.input(description="Void an invoice (DRAFT or SENT).")
class ContactInvoiceVoidInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")


@strawberry.interface(description="What every invoice mutation but pay returns.")
class ContactInvoiceMutationPayload:
    invoice: ContactInvoice | None = strawberry.field(
        description="The invoice after the change; null on error."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )

    @classmethod
    def from_outcome(cls, outcome: Outcome[i.Invoice]) -> Self:
        v = outcome.value
        return cls(
            invoice=ContactInvoice.from_domain(v) if v else None,
            user_errors=UserError.all_of(outcome.errors),
        )


@strawberry.type(description="Result of contactInvoiceCreate.")
class ContactInvoiceCreatePayload(ContactInvoiceMutationPayload):
    pass


@strawberry.type(description="Result of contactInvoiceUpdate.")
class ContactInvoiceUpdatePayload(ContactInvoiceMutationPayload):
    pass


@strawberry.type(description="Result of contactInvoiceSend.")
class ContactInvoiceSendPayload(ContactInvoiceMutationPayload):
    pass


@strawberry.type(description="Result of contactInvoiceVoid.")
class ContactInvoiceVoidPayload(ContactInvoiceMutationPayload):
    pass


@strawberry.type
class InvoicesMutation:
    @strawberry.mutation(description="Create a DRAFT invoice; every call creates one.")
    async def contact_invoice_create(
        self, info: Info, input: InputArg[ContactInvoiceCreateInput]
    ) -> ContactInvoiceCreatePayload:
        return ContactInvoiceCreatePayload.from_outcome(
            await r.create_invoice(info, str(input.contact_id), input.invoice.to_domain())
        )

    @strawberry.mutation(description="Replace a DRAFT invoice's parts.")
    async def contact_invoice_update(
        self, info: Info, input: InputArg[ContactInvoiceUpdateInput]
    ) -> ContactInvoiceUpdatePayload:
        return ContactInvoiceUpdatePayload.from_outcome(
            await r.update_invoice(info, str(input.invoice_id), input.invoice.to_domain())
        )

    @strawberry.mutation(
        description="Send an invoice: records the send (the event is what the messaging "
        "system delivers); REQUIRED when the contact has no address for the channel."
    )
    async def contact_invoice_send(
        self, info: Info, input: InputArg[ContactInvoiceSendInput]
    ) -> ContactInvoiceSendPayload:
        return ContactInvoiceSendPayload.from_outcome(
            await r.send_invoice(info, str(input.invoice_id), input.channel)
        )

    @strawberry.mutation(
        description="Charge an invoice's total to a saved card; PAID when it succeeds."
    )
    async def contact_invoice_pay(
        self, info: Info, input: InputArg[ContactInvoicePayInput]
    ) -> ContactChargePayload:
        return ContactChargePayload.from_outcome(
            await r.pay_invoice(
                info, str(input.invoice_id), str(input.payment_method_id), input.idempotency_key
            )
        )

    @strawberry.mutation(description="Void an invoice; a PAID one cannot be voided.")
    async def contact_invoice_void(
        self, info: Info, input: InputArg[ContactInvoiceVoidInput]
    ) -> ContactInvoiceVoidPayload:
        return ContactInvoiceVoidPayload.from_outcome(
            await r.void_invoice(info, str(input.invoice_id))
        )
