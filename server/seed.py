"""Demo data for `make run`: one location, a few team members, ~50 realistic contacts.

Everything goes through the domain services, so the seeded record looks exactly like one
built through the API (events and audit log included).

Faker is a development dependency: it is imported by :func:`seed` only, so the demo viewers
(``ADMIN``, ``RESTRICTED``, for `contact-graph token`) need nothing beyond the runtime
dependencies, and `contact-graph serve` never imports this module.
"""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import services as s
from domain.commands import ContactDraft, CustomValueByKey, NewCustomField, NewEmail, NewPhone
from domain.contact import ContactType, DndChannel, EmailLabel, PhoneLabel
from domain.custom_fields import CustomFieldType, CustomValueInput, Money
from domain.pictures import PictureTools, upload_picture
from domain.ports import FileStore, SystemClock
from domain.viewer import Role, Viewer
from persistence.tables import CONTACT, LOCATION
from persistence.uow import SqlUnitOfWork

DEMO_LOCATION_ID = "7a6c1f0e-5b1d-4c35-9d2a-0d3e5f6a7b8c"
TEAM = {
    "user-ava": "Ava Admin",
    "user-ben": "Ben Sales",
    "user-cleo": "Cleo Support",
    "user-dan": "Dan Restricted",
    "user-eve": "Eve Marketing",
}
ADMIN = Viewer("user-ava", DEMO_LOCATION_ID, Role.ADMIN)
RESTRICTED = Viewer("user-dan", DEMO_LOCATION_ID, Role.USER, assigned_only=True)

CUSTOM_FIELDS = [
    NewCustomField("lead_score", "Lead score", CustomFieldType.NUMBER),
    NewCustomField(
        "industry",
        "Industry",
        CustomFieldType.SINGLE_OPTION,
        ("Software", "Retail", "Healthcare", "Education", "Finance"),
    ),
    NewCustomField(
        "interests",
        "Interests",
        CustomFieldType.MULTIPLE_OPTIONS,
        ("Webinars", "Newsletter", "Events", "Product updates"),
    ),
    NewCustomField("contract_value", "Contract value", CustomFieldType.MONETARY),
    NewCustomField("renewal_date", "Renewal date", CustomFieldType.DATE),
    NewCustomField("vip", "VIP", CustomFieldType.CHECKBOX),
    NewCustomField("background", "Background", CustomFieldType.LARGE_TEXT),
    NewCustomField("id_scan", "ID scan", CustomFieldType.FILE_UPLOAD),
]
TAGS = ["vip", "newsletter", "webinar", "trial", "churn-risk", "partner", "event-2026"]
SOURCES = ["Website form", "Facebook Lead Ads", "Referral", "Google Ads", "CRM UI", "Import"]
PICTURE_EVERY = 5
"""Every fifth demo contact gets a profile picture (the others show the client's fallback)."""


def demo_picture(initials: str, rnd: random.Random) -> bytes:
    """A landscape PNG with the contact's initials in the middle, on a colour of its own:
    uploaded like any image, so it is cropped, scaled and re-encoded the same way."""
    colour = (rnd.randint(30, 200), rnd.randint(60, 180), rnd.randint(90, 220))
    image = Image.new("RGB", (480, 320), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=120)
    draw.text((240, 160), initials, font=font, anchor="mm", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def is_seeded(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(CONTACT)
            .where(CONTACT.c.location_id == DEMO_LOCATION_ID)
        )
    return bool(count)


async def demo_contact_ids(engine: AsyncEngine) -> list[str]:
    """The demo location's contacts, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(CONTACT.c.id)
            .where(CONTACT.c.location_id == DEMO_LOCATION_ID)
            .order_by(CONTACT.c.created_at, CONTACT.c.id)
        )
        return list(rows.scalars())


Progress = Callable[[int, int], None]
"""Told ``(done, total)`` as seeding goes on."""


async def seed(
    engine: AsyncEngine,
    files: FileStore,
    contacts: int = 50,
    rng_seed: int = 7,
    progress: Progress | None = None,
    pictures: PictureTools | None = None,
) -> int:
    """Create the demo location with ``contacts`` contacts; returns how many were made.
    With the picture tools, every fifth contact gets a profile picture."""
    from faker import Faker  # a development dependency: see the module's docstring

    fake = Faker()
    Faker.seed(rng_seed)
    rnd = random.Random(rng_seed)
    async with engine.begin() as conn:
        await conn.execute(
            insert(LOCATION).values(
                id=DEMO_LOCATION_ID, name="Demo Dental & Co.", created_at=datetime.now(UTC)
            )
        )
    svc = s.Services(
        uow=lambda: SqlUnitOfWork(engine), clock=SystemClock(), files=files, pictures=pictures
    )
    for field in CUSTOM_FIELDS:
        await s.create_custom_field(svc, ADMIN, field)
    team = list(TEAM)
    for i in range(contacts):
        first, last = fake.first_name(), fake.last_name()
        domain = fake.free_email_domain()
        owner = team[i % len(team)]
        phones = [
            NewPhone(f"+1415555{i:02d}{k}{k}"[:12], label, k == 0)
            for k, label in enumerate(rnd.sample(list(PhoneLabel), rnd.randint(1, 3)))
        ]
        emails = [
            NewEmail(
                f"{first}.{last}{'' if k == 0 else k}@{domain}".lower(),
                EmailLabel.WORK if k == 0 else EmailLabel.HOME,
                k == 0,
            )
            for k in range(rnd.randint(1, 2))
        ]
        draft = ContactDraft(
            profile={
                "first_name": first,
                "last_name": last,
                "contact_type": rnd.choice(list(ContactType)),
                "source": rnd.choice(SOURCES),
                "time_zone": rnd.choice(
                    ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
                ),
                "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=80),
                "business_name": fake.company() if rnd.random() < 0.6 else None,
                "address": {
                    "line1": fake.street_address(),
                    "city": fake.city(),
                    "state": fake.state_abbr(),
                    "postal_code": fake.postcode(),
                    "country": "US",
                },
                "website": f"https://{fake.domain_name()}" if rnd.random() < 0.3 else None,
            },
            phones=tuple(phones),
            emails=tuple(emails),
            tags=tuple(rnd.sample(TAGS, rnd.randint(0, 3))),
            owner_id=owner,
            follower_ids=tuple(rnd.sample([t for t in team if t != owner], rnd.randint(0, 3))),
            dnd={DndChannel.SMS: True} if rnd.random() < 0.2 else {},
            custom_values=(
                CustomValueByKey("lead_score", CustomValueInput(number=rnd.randint(0, 100))),
                CustomValueByKey(
                    "industry", CustomValueInput(option=rnd.choice(CUSTOM_FIELDS[1].options))
                ),
                CustomValueByKey(
                    "interests",
                    CustomValueInput(options=tuple(rnd.sample(CUSTOM_FIELDS[2].options, 2))),
                ),
                CustomValueByKey(
                    "contract_value",
                    CustomValueInput(money=Money(rnd.randint(100, 5000) * 100, "USD")),
                ),
                CustomValueByKey(
                    "renewal_date",
                    CustomValueInput(date=date(2027, rnd.randint(1, 12), rnd.randint(1, 28))),
                ),
                CustomValueByKey("vip", CustomValueInput(checked=rnd.random() < 0.2)),
            ),
        )
        contact = await s.create_contact(svc, ADMIN, draft)
        if pictures is not None and i % PICTURE_EVERY == 0:
            image = demo_picture(first[0] + last[0], rnd)
            await upload_picture(svc, ADMIN, contact.id, _once(image))
        if progress:
            progress(i + 1, contacts)
    return contacts
