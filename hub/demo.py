"""`kanal demo`: Pemerintah Kota Contoh with five OPDs, a widget inbox each, agents and cases
(four live ones and eight weeks of past ones, hub/demo_history.py), and the city's lists:
categories, canned responses, business hours, kecamatan and kelurahan.

Kota Contoh is modelled on Kota Ambon: its five kecamatan, and kelurahan and negeri/desa
that lie in them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from hub import catalog
from hub.auth import add_agent
from hub.demo_history import seed_history
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


COORDINATOR = "diskominfo"
AREAS = {
    "Nusaniwe": [
        "Benteng", "Kudamati", "Mangga Dua", "Silale", "Waihaong", "Wainitu",
        "Amahusu", "Latuhalat", "Seilale", "Urimessing",
    ],
    "Sirimau": [
        "Ahusen", "Amantelu", "Batu Gajah", "Batu Meja", "Honipopu", "Karang Panjang",
        "Pandan Kasturi", "Rijali", "Uritetu", "Waihoka",
        "Batu Merah", "Galala", "Hative Kecil", "Soya",
    ],
    "Teluk Ambon": ["Tihu", "Hative Besar", "Laha", "Poka", "Rumah Tiga", "Tawiri", "Wayame"],
    "Teluk Ambon Baguala": [
        "Lateri", "Latta", "Halong", "Nania", "Negeri Lama", "Passo", "Waiheru",
    ],
    "Leitimur Selatan": [
        "Ema", "Hatalai", "Hukurila", "Hutumuri", "Kilang", "Leahari", "Naku", "Rutong",
    ],
}  # fmt: skip
#: (name, the OPD such cases usually belong to, whether resolving needs an "after" photo)
CATEGORIES: list[tuple[str, str | None, bool]] = [
    ("Jalan rusak", "pupr", True),
    ("Lampu jalan", "dishub", True),
    ("Banjir/drainase", "pupr", True),
    ("Sampah", "dlh", True),
    ("Pohon tumbang", "dlh", True),
    ("Parkir", "dishub", False),
    ("Adminduk/KTP", "disdukcapil", False),
    ("Sosial", None, False),  # no Dinas Sosial in the demo: the coordinator triages
]
CANNED = [
    (
        "salam",
        "Selamat datang di layanan pengaduan {opd}, Bapak/Ibu {nama}. Ada yang bisa kami bantu?",
    ),
    (
        "terima",
        "Terima kasih, Bapak/Ibu {nama}. Laporan Anda sudah kami terima dengan kode lacak "
        "{kode} dan sedang kami tindak lanjuti.",
    ),
    (
        "selesai",
        "Laporan {kode} sudah selesai ditindaklanjuti oleh {opd}. Terima kasih atas "
        "laporan Bapak/Ibu {nama}; jika masalahnya muncul lagi, balas pesan ini.",
    ),
]
#: Monday to Thursday 08:00-16:00, Friday 08:00-16:30; closed at the weekend.
HOURS = [{"weekday": d, "opens": "08:00", "closes": "16:00"} for d in range(4)] + [
    {"weekday": 4, "opens": "08:00", "closes": "16:30"}
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


#: Where agents record complaints from the call centre, walk-ins and letters.
OFFLINE_INBOX = "luring"


def seed(conn: Connection) -> None:
    """Idempotent: running it twice leaves one of everything."""
    org_id = ensure_organization(conn, ORGANIZATION)
    opd_ids = {slug: ensure_opd(conn, org_id, slug, name) for slug, name in OPDS}
    conn.execute(update(s.opd).values(coordinator=s.opd.c.slug == COORDINATOR))
    seed_lists(conn, org_id, opd_ids)
    now = utcnow()
    inboxes = [(f"web-{slug}", "widget", f"Situs {name}", slug) for slug, name in OPDS]
    inboxes.append((OFFLINE_INBOX, "manual", "Pengaduan luring (telepon, surat)", COORDINATOR))
    for key, kind, name, slug in inboxes:
        values = {"kind": kind, "name": name, "opd_id": opd_ids[slug], "options": {}}
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
    seed_history(conn, directory, [k for names in AREAS.values() for k in names])


def seed_lists(conn: Connection, org_id: int, opd_ids: dict[str, int]) -> None:
    """Categories, canned responses, business hours and areas; kept as they are if there."""
    known = {c["name"] for c in catalog.list_categories(conn, org_id)}
    for name, opd, after_photo in CATEGORIES:
        if name not in known:
            opd_id = opd_ids[opd] if opd else None
            catalog.create_category(conn, org_id, name, opd_id, after_photo)
    shortcuts = {
        c["shortcut"] for c in catalog.list_canned(conn, org_id, []) if c["opd_id"] is None
    }
    for shortcut, body in CANNED:
        if shortcut not in shortcuts:
            catalog.create_canned(conn, org_id, shortcut, body, None)
    if not catalog.hours(conn, org_id):
        catalog.set_hours(conn, org_id, HOURS)
    pairs = [(kecamatan, k) for kecamatan, names in AREAS.items() for k in names]
    catalog.add_areas(conn, org_id, pairs)
