"""Reference data for demo businesses: Indonesian names, places, and the ways people type phones."""

from dataclasses import dataclass
from typing import Any

FIRST_NAMES = [
    "Ayu",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gilang",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Oktavia",
    "Putri",
    "Rizky",
    "Sari",
    "Teguh",
    "Utami",
    "Wahyu",
    "Yusuf",
    "Agus",
    "Bambang",
    "Dian",
    "Fajar",
    "Ketut",
    "Siti",
    "Rina",
    "Andi",
    "Nyoman",
    "Wayan",
    "Ratna",
    "Slamet",
    "Hadi",
    "Yanti",
]
# Given names that tell a woman from a man; the others (Made, Nyoman, Ketut, Wayan: Balinese birth
# order; Nur, Dian) are given to both.
FEMALE_FIRST_NAMES = frozenset(
    {"Ayu", "Citra", "Dewi", "Fitri", "Indah", "Kartika", "Lestari", "Oktavia", "Putri", "Sari", "Utami"}
    | {"Siti", "Rina", "Ratna", "Yanti"}
)
MALE_FIRST_NAMES = frozenset(
    {"Budi", "Eko", "Gilang", "Hendra", "Joko", "Rizky", "Teguh", "Wahyu", "Yusuf", "Agus", "Bambang"}
    | {"Fajar", "Andi", "Slamet", "Hadi"}
)


def first_name_for(rng: Any, gender: str) -> str:
    """A given name a person of `gender` ("female"/"male") could have."""
    other = MALE_FIRST_NAMES if gender == "female" else FEMALE_FIRST_NAMES
    return str(rng.choice([name for name in FIRST_NAMES if name not in other]))


LAST_NAMES = [
    "Santoso",
    "Wijaya",
    "Saputra",
    "Lestari",
    "Pratama",
    "Hidayat",
    "Kusuma",
    "Nugroho",
    "Setiawan",
    "Wibowo",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Purnomo",
    "Rahmawati",
    "Gunawan",
    "Halim",
    "Tanoto",
    "Sihombing",
    "Permana",
    "Utomo",
    "Suryadi",
    "Manurung",
    "Wulandari",
    "Firmansyah",
]
# (province, city) pairs as in the official region names.
PLACES = [
    ("DKI JAKARTA", "KOTA JAKARTA SELATAN"),
    ("DKI JAKARTA", "KOTA JAKARTA BARAT"),
    ("JAWA BARAT", "KOTA BANDUNG"),
    ("JAWA BARAT", "KOTA BEKASI"),
    ("JAWA TIMUR", "KOTA SURABAYA"),
    ("JAWA TENGAH", "KOTA SEMARANG"),
    ("DI YOGYAKARTA", "KOTA YOGYAKARTA"),
    ("BALI", "KOTA DENPASAR"),
    ("SUMATERA UTARA", "KOTA MEDAN"),
    ("SULAWESI SELATAN", "KOTA MAKASSAR"),
]
MOBILE_PREFIXES = [
    "811",
    "812",
    "813",
    "821",
    "822",
    "852",
    "853",
    "856",
    "857",
    "858",
    "877",
    "878",
    "881",
    "895",
    "896",
]
STREETS = [
    "Jl. Sudirman",
    "Jl. Thamrin",
    "Jl. Gatot Subroto",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Jl. Merdeka",
    "Jl. Pahlawan",
    "Jl. Asia Afrika",
    "Jl. Malioboro",
    "Jl. Gajah Mada",
]


LANDMARKS = [
    "depan masjid",
    "sebelah Indomaret",
    "gerbang hijau",
    "seberang sekolah",
    "dekat pos satpam",
    "rumah pagar hitam",
    "lobi utara",
    "samping warung bakso",
]
# The city/regency (as named in the shipped region data) where each demo branch stands.
REGION_OF_BRANCH = {
    "kmg": "Kota Administrasi Jakarta Selatan",
    "dgo": "Kota Bandung",
    "tjg": "Kota Surabaya",
    "jks": "Kota Administrasi Jakarta Selatan",
    "jkb": "Kota Administrasi Jakarta Barat",
    "bdg": "Kota Bandung",
}


# (SKU, name, kind, category, price in Rupiah, duration in minutes for services)
PRODUCTS: dict[str, list[tuple[str, str, str, str, int, int | None]]] = {
    "salon": [
        ("CRB", "Creambath", "service", "Perawatan Rambut", 150_000, 60),
        ("PTR", "Potong rambut", "service", "Rambut", 85_000, 45),
        ("HSP", "Hair spa", "service", "Perawatan Rambut", 200_000, 75),
        ("SMR", "Smoothing", "service", "Rambut", 450_000, 150),
        ("WRN", "Pewarnaan rambut", "service", "Rambut", 350_000, 120),
        ("FCL", "Facial", "service", "Perawatan Wajah", 175_000, 60),
        ("MNC", "Manicure", "service", "Kuku", 75_000, 45),
        ("PDC", "Pedicure", "service", "Kuku", 90_000, 50),
        ("LLR", "Lulur", "service", "Perawatan Tubuh", 180_000, 90),
        ("RFL", "Refleksi", "service", "Perawatan Tubuh", 120_000, 60),
        ("SMP", "Sampo ginseng 250 ml", "product", "Produk", 65_000, None),
        ("MSK", "Masker rambut alpukat", "product", "Produk", 85_000, None),
        ("VTM", "Vitamin rambut", "product", "Produk", 45_000, None),
        ("SRM", "Serum wajah", "product", "Produk", 120_000, None),
    ],
    "taxi": [
        ("TRIP", "Trip", "service", "Perjalanan", 50_000, None),
        ("ARPT", "Antar bandara", "service", "Perjalanan", 180_000, None),
        ("SEWA", "Sewa per jam", "service", "Sewa", 95_000, None),
    ],
}
DESTINATIONS = [
    "Bandara Soekarno-Hatta T3",
    "Stasiun Gambir",
    "Mall Kota Kasablanka",
    "RS Pondok Indah",
    "Grand Indonesia",
    "Kantor BRI Sudirman",
    "Terminal Kampung Rambutan",
    "Universitas Indonesia",
    "Pasar Baru",
]
# A Bandung pool's trips stay in Bandung.
DESTINATIONS_BANDUNG = [
    "Stasiun Bandung",
    "Bandara Husein Sastranegara",
    "Trans Studio Mall",
    "Gedung Sate",
    "Pasar Baru Bandung",
    "RS Hasan Sadikin",
    "Terminal Leuwipanjang",
    "Institut Teknologi Bandung",
]


def destinations(branch_name: str) -> list[str]:
    """Where a pool's customers are driven to: places of its own city."""
    return DESTINATIONS_BANDUNG if "bandung" in branch_name.lower() else DESTINATIONS


# The taxi's drivers, four per pool: (name, car). Plates get the pool's region letter (below).
DRIVERS = [
    ("Pak Joko", "Toyota Avanza, putih"),
    ("Pak Slamet", "Toyota Vios, biru"),
    ("Pak Ucok", "Toyota Avanza, putih"),
    ("Bu Sri", "Toyota Innova, hitam"),
    ("Pak Dedi", "Toyota Vios, biru"),
    ("Pak Yanto", "Toyota Avanza, putih"),
    ("Pak Made", "Toyota Innova, hitam"),
    ("Pak Rudi", "Toyota Vios, biru"),
    ("Pak Asep", "Toyota Avanza, putih"),
    ("Pak Ujang", "Toyota Vios, biru"),
    ("Bu Euis", "Toyota Innova, hitam"),
    ("Pak Dadang", "Toyota Avanza, putih"),
]
DRIVERS_PER_BRANCH = 4
# Region letters of Indonesian number plates: B for Jakarta, D for Bandung.
PLATE_REGIONS = {"jks": "B", "jkb": "B", "bdg": "D"}


@dataclass(frozen=True)
class Profile:
    business: str
    branches: list[tuple[str, str, str, int]]  # name, code, street, index into PLACES
    teams: list[str]


PROFILES = {
    "salon": Profile(
        business="Salon Cantik Setia",
        branches=[
            ("Salon Cantik Kemang", "KMG", "Jl. Kemang Raya No. 12", 0),
            ("Salon Cantik Dago", "DGO", "Jl. Ir. H. Juanda No. 88", 2),
            ("Salon Cantik Tunjungan", "TJG", "Jl. Tunjungan No. 45", 4),
        ],
        teams=["Stylist", "Perawatan Kulit", "Kasir"],
    ),
    "taxi": Profile(
        business="Taksi Setia Nusantara",
        branches=[
            ("Pool Jakarta Selatan", "JKS", "Jl. TB Simatupang No. 5", 0),
            ("Pool Jakarta Barat", "JKB", "Jl. Daan Mogot Km 11", 1),
            ("Pool Bandung", "BDG", "Jl. Soekarno-Hatta No. 210", 2),
        ],
        teams=["Call Center", "Dispatch", "Corporate Sales"],
    ),
}

# One demo login per role: (username, role, branch index or None).
DEMO_USERS = [
    ("admin", "owner", None),
    ("manager", "manager", 0),
    ("marketing", "marketing", None),
    ("analyst", "analyst", None),
    ("cashier", "cashier", 0),
    ("agent", "call_agent", 0),
    ("sales", "sales", 0),
    ("service", "service_agent", 0),
]


def phone_as_typed(rng: object, prefix: str, number: str) -> str:
    """The same mobile number the way different people write it."""
    styles = [
        f"0{prefix}-{number[:4]}-{number[4:]}",
        f"+62 {prefix} {number[:4]} {number[4:]}",
        f"62{prefix}{number}",
        f"0{prefix}{number}",
        f"{prefix} {number[:4]} {number[4:]}",
    ]
    return styles[rng.randrange(len(styles))]  # type: ignore[attr-defined]
