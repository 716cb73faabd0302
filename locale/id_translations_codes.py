"""Indonesian for messages added in the loyalty screens (voucher codes, programme targets)."""

ID = {
    "%(field)s may hold only letters, digits and hyphens (no spaces).": (
        "%(field)s hanya boleh berisi huruf, angka, dan tanda hubung (tanpa spasi)."
    ),
    "The code": "Kode",
}
ID.update(
    {
        "Target": "Sasaran",
        "every member": "semua anggota",
        "Target segment": "Segmen sasaran",
        "aimed at segments": "ditujukan ke segmen",
        "Aimed at": "Ditujukan ke",
        "everyone": "semua orang",
        "Members reached: active members in the target tiers, tags or segment (every member when none is chosen). "
        "Redemptions: uses of the programme's vouchers within its dates.": (
            "Anggota yang dijangkau: anggota aktif di tingkat, label, atau segmen sasaran (semua anggota bila tidak "
            "dipilih). Penukaran: pemakaian voucher program dalam rentang tanggalnya."
        ),
    }
)
ID.update(
    {
        "Merge the two records into one? This cannot be undone.": (
            "Gabungkan kedua data menjadi satu? Tindakan ini tidak dapat dibatalkan."
        ),
        "Revoke this key? Programs that use it stop working at once.": (
            "Cabut kunci ini? Program yang memakainya langsung berhenti bekerja."
        ),
        "Cancel this trip?": "Batalkan perjalanan ini?",
        "Cancel this appointment?": "Batalkan janji temu ini?",
        "Cancel this subscription?": "Batalkan langganan ini?",
        "Delete this activity?": "Hapus aktivitas ini?",
        "Delete this stage?": "Hapus tahap ini?",
        "Delete this reason?": "Hapus alasan ini?",
    }
)
ID.update(
    {
        "When your phone system reports a call for you, the caller's card pops up on whatever Setia page you have "
        "open.": "Saat sistem telepon melaporkan panggilan untuk Anda, kartu penelepon muncul di halaman Setia mana "
        "pun yang sedang terbuka.",
        "Phone systems send <code>POST /api/v1/telephony/events</code> (see the API documentation).": (
            "Sistem telepon mengirim <code>POST /api/v1/telephony/events</code> (lihat dokumentasi API)."
        ),
        "trip action\x04Complete": "Selesaikan",
    }
)
ID.update(
    {
        "Order %(number)s": "Pesanan %(number)s",
        "refund": "pengembalian dana",
        "Referral: %(member)s brought %(friend)s": "Referensi: %(member)s membawa %(friend)s",
        "Reward: %(name)s": "Hadiah: %(name)s",
        "Joining bonus": "Bonus bergabung",
        "Birthday %(year)s": "Ulang tahun %(year)s",
    }
)
ID.update({"The appointment time is in the past.": "Waktu janji temu sudah lewat."})
ID.update({"in person": "langsung (tatap muka)", "by phone": "lewat telepon"})
ID.update({"A customer of %(branch)s": "Pelanggan %(branch)s"})
ID.update({"cashback %(amount)s": "cashback %(amount)s"})
ID.update(
    {
        "parts not in use": "bagian yang tidak dipakai",
        "Parts of Setia this business uses": "Bagian Setia yang dipakai usaha ini",
        "A part left unticked is hidden from the menu and the quick actions (a salon has no taxi trips).": (
            "Bagian yang tidak dicentang disembunyikan dari menu dan tombol cepat (salon tidak punya perjalanan taksi)."
        ),
        "Unknown part of Setia: %(part)s": "Bagian Setia tidak dikenal: %(part)s",
    }
)
ID.update(
    {
        "Customers: find likely duplicates (same phone, email, or name in one city)": (
            "Pelanggan: cari kemungkinan duplikat (telepon, email, atau nama yang sama di satu kota)"
        ),
        "Channel": "Saluran",
        "Purpose": "Tujuan",
        "notice": "pemberitahuan",
        "Member": "Anggota",
        "Payments": "Pembayaran",
    }
)
ID.update(
    {
        "“Recorded by staff”: any other way the customer told staff.": (
            "“dicatat staf”: cara lain pelanggan memberi tahu staf."
        )
    }
)
ID.update(
    {
        "“%(value)s” could be %(names)s: write which one": ("“%(value)s” bisa berarti %(names)s: tulis yang mana"),
    }
)
ID.update(
    {
        "One purchase day only: with no repeat purchase to be late for, the model rates the risk low. "
        "Judge by how long ago she bought.": (
            "Baru satu hari belanja: belum ada pembelian ulang yang bisa terlambat, jadi model menilai risikonya "
            "rendah. Nilailah dari berapa lama sejak ia belanja."
        ),
    }
)
ID.update({"looked up": "dicari", "typed in": "diketik"})
ID.update(
    {
        "Tax, receipts and hours": "Pajak, struk, dan jam buka",
        "opens at": "buka pukul",
        "closes at": "tutup pukul",
        "The appointment calendar offers times from here.": "Kalender janji temu menawarkan jam mulai dari sini.",
        "The last appointment starts half an hour before.": "Janji temu terakhir dimulai setengah jam sebelumnya.",
        "The closing time must be after the opening time.": "Jam tutup harus setelah jam buka.",
        "a member of another branch": "anggota cabang lain",
        "Leave both times empty for the business's opening hours.": (
            "Kosongkan kedua jam untuk memakai jam buka usaha."
        ),
        "Enter both the opening and the closing time, or leave both empty.": (
            "Isi jam buka dan jam tutup, atau kosongkan keduanya."
        ),
        "Opening hours": "Jam buka",
        "the business's (sales settings)": "jam buka usaha (pengaturan penjualan)",
        "Opening hours are %(opens)s to %(closes)s: choose a time within them.": (
            "Jam buka %(opens)s sampai %(closes)s: pilih waktu di antaranya."
        ),
        "closed on": "tutup pada hari",
        "No appointments are booked on these days.": "Pada hari-hari ini tidak ada janji temu.",
        "Choose days of the week.": "Pilih hari dalam seminggu.",
        "Leave at least one day open.": "Sisakan setidaknya satu hari buka.",
        "Enter the branch's own opening and closing times too, or leave its closed days to the business.": (
            "Isi juga jam buka dan jam tutup cabang ini, atau biarkan hari tutupnya mengikuti usaha."
        ),
        "%(branch)s is closed on %(weekday)s: choose another day.": (
            "%(branch)s tutup pada hari %(weekday)s: pilih hari lain."
        ),
        "%(branch)s is closed on %(weekday)s: no free times this day.": (
            "%(branch)s tutup pada hari %(weekday)s: tidak ada waktu kosong pada hari itu."
        ),
        "Keep %(service)s in the sale: it is the appointment's service.": (
            "Biarkan %(service)s tetap dalam penjualan: itu layanan janji temunya."
        ),
        "Checking out the appointment: %(service)s, %(day)s %(time)s": (
            "Pembayaran janji temu: %(service)s, %(day)s %(time)s"
        ),
        "Paying closes it.": "Setelah dibayar, janji temu selesai.",
        "fare %(fare)s, member discount": "tarif %(fare)s, diskon member",
        "business fields": "kolom usaha",
        "row": "baris",
        "problem": "masalah",
        "import-%(id)s-rows-not-imported.csv": "impor-%(id)s-baris-tidak-diimpor.csv",
        "%(value)s is not a date of the calendar": "tanggal %(value)s tidak ada di kalender",
        "matches existing customer %(name)s (#%(id)s)": "cocok dengan pelanggan yang sudah ada %(name)s (#%(id)s)",
        "Tick with the branch's own opening times above; without them the business's closed days apply.": (
            "Centang bersama jam buka cabang ini di atas; tanpa jam sendiri, hari tutup usaha yang berlaku."
        ),
        "Trip from %(from)s": "Perjalanan dari %(from)s",
        "No row of this file can be imported: fix the rows with errors and start again.": (
            "Tidak ada baris berkas ini yang dapat diimpor: perbaiki baris yang bermasalah lalu mulai lagi."
        ),
    }
)
