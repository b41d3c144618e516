"""`kanal demo`: Pemerintah Kota Contoh with five OPDs, a widget inbox each, agents and cases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from hub.auth import add_agent
from hub.directory import ensure_opd, ensure_organization, load_directory
from hub.ingest import accept_inbound
from hub.models import Inbound, Role, Sender, utcnow
from hub.store import schema as s

ORGANIZATION = "Pemerintah Kota Contoh"
PASSWORD = "kanal-demo"
OPDS = [
    ("diskominfo", "Dinas Komunikasi dan Informatika"),
    ("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("dishub", "Dinas Perhubungan"),
    ("dlh", "Dinas Lingkungan Hidup"),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: str
    opd: str


LOGINS = [
    DemoLogin("admin@kanal.local", "Rina Koordinator", "admin", "diskominfo"),
    DemoLogin("pupr@kanal.local", "Budi Santoso", "agent", "pupr"),
    DemoLogin("dishub@kanal.local", "Siti Rahma", "agent", "dishub"),
    DemoLogin("dlh@kanal.local", "Andi Wijaya", "agent", "dlh"),
    DemoLogin("disdukcapil@kanal.local", "Dewi Lestari", "agent", "disdukcapil"),
    DemoLogin("kabid.pupr@kanal.local", "Hendra Kepala Bidang", "supervisor", "pupr"),
]

CASES: list[tuple[str, str, str | None, str]] = [
    (
        "pupr",
        "demo-warga-1",
        "Ibu Sari",
        "Selamat pagi, jalan di depan SD Negeri 3 Kelurahan Sukamaju berlubang besar, "
        "sudah dua minggu. Mohon ditindaklanjuti.",
    ),
    (
        "dlh",
        "demo-warga-2",
        "Pak Joko",
        "Sampah di TPS Jalan Melati belum diangkut sejak Sabtu, baunya sampai ke rumah warga.",
    ),
    (
        "dishub",
        "demo-warga-3",
        None,
        "Lampu lalu lintas di simpang Jalan Merdeka mati sejak tadi malam.",
    ),
    (
        "disdukcapil",
        "demo-warga-4",
        "Rudi",
        "Bagaimana cara mengurus KTP-el yang hilang? "
        "Apakah harus membawa surat kehilangan dari polisi?",
    ),
]


def is_empty(conn: Connection) -> bool:
    """No conversation and no agent yet: nothing a demo could overwrite."""
    cases = conn.execute(select(func.count()).select_from(s.conversation)).scalar_one()
    agents = conn.execute(select(func.count()).select_from(s.agent)).scalar_one()
    return cases == 0 and agents == 0


def seed(conn: Connection) -> None:
    """Idempotent: running it twice leaves one of everything."""
    org_id = ensure_organization(conn, ORGANIZATION)
    opd_ids = {slug: ensure_opd(conn, org_id, slug, name) for slug, name in OPDS}
    now = utcnow()
    for slug, name in OPDS:
        key = f"web-{slug}"
        values = {"kind": "widget", "name": f"Situs {name}", "opd_id": opd_ids[slug], "options": {}}
        found = conn.execute(select(s.inbox.c.id).where(s.inbox.c.key == key)).first()
        if found is None:
            conn.execute(insert(s.inbox).values(key=key, created_at=now, **values))
        else:
            conn.execute(update(s.inbox).where(s.inbox.c.id == found.id).values(**values))
    for login in LOGINS:
        add_agent(
            conn,
            organization_id=org_id,
            opd_id=opd_ids[login.opd],
            email=login.email,
            name=login.name,
            role=Role(login.role),
            password=PASSWORD,
        )
    directory = load_directory(conn)
    for slug, visitor, resident, text in CASES:
        inbox = directory.inbox_by_key(f"web-{slug}")
        assert inbox is not None
        item = Inbound(Sender(visitor, name=resident), text=text, client_id=f"demo-{visitor}")
        accept_inbound(conn, directory, inbox, item)
