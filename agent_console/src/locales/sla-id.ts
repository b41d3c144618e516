// Indonesian strings of deadlines (id.ts `sla`): badges, due times, live alerts, and the
// admin's SLA policies and office hours per OPD. sla-en.ts has the same keys.

export const slaId = {
  badge: {
    warning: "Segera",
    breach: "Lewat tenggat",
  } as Record<string, string>,
  due: {
    response: (when: string) => `Tanggapan paling lambat ${when}`,
    resolution: (when: string) => `Tindak lanjut paling lambat ${when}`,
  } as Record<string, (when: string) => string>,
  done: {
    response: (when: string) => `ditanggapi ${when}`,
    resolution: (when: string) => `diselesaikan ${when}`,
  } as Record<string, (when: string) => string>,
  outcome: {
    ok: "",
    warning: "Segera",
    breach: "Lewat tenggat",
    met: "Tepat waktu",
    late: "Terlambat",
    unanswered: "Tidak ditanggapi",
    none: "",
  } as Record<string, string>,
  heading: "Tenggat",
  computing: "Tenggat sedang dihitung…",
  alert: {
    response: {
      warning: (code: string, when: string) => `Kasus ${code} harus ditanggapi paling lambat ${when}.`,
      breach: (code: string, when: string) => `Kasus ${code} lewat tenggat tanggapan (${when}).`,
    },
    resolution: {
      warning: (code: string, when: string) => `Kasus ${code} harus ditindaklanjuti paling lambat ${when}.`,
      breach: (code: string, when: string) => `Kasus ${code} lewat tenggat tindak lanjut (${when}).`,
    },
  } as Record<string, Record<string, (code: string, when: string) => string>>,
  more: (n: number) => `+${n} lainnya`,
  open: "Buka",
  admin: {
    heading: "Tenggat layanan (SLA)",
    hint: "Batas waktu menanggapi dan menindaklanjuti kasus, dihitung sejak kasus masuk. Aturan yang paling khusus berlaku: OPD dan kategori, lalu OPD, lalu kategori di semua OPD, lalu aturan seluruh Pemda, lalu bawaan.",
    defaultLine: (rule: string) => `Bawaan untuk kasus tanpa aturan: ${rule}. Diubah di berkas konfigurasi ([sla] policy).`,
    opd: "OPD",
    wholeOrg: "Seluruh Pemda",
    category: "Kategori",
    anyCategory: "Semua kategori",
    rule: "Aturan",
    custom: "Atur sendiri",
    response: "Tanggapan",
    resolution: "Tindak lanjut",
    amount: "Jumlah",
    unit: "Satuan",
    units: {
      working_days: "hari kerja",
      working_hours: "jam kerja",
      hours: "jam",
    } as Record<string, string>,
    deadline: (amount: number, unit: string) => `${amount} ${unit}`,
    presets: {
      lapor: "SP4N-LAPOR!",
      "lapor-60": "SP4N-LAPOR! (60 hari)",
      "1x24": "1×24 jam",
      "2x24": "2×24 jam",
      "3x24": "3×24 jam",
    } as Record<string, string>,
    presetLine: (name: string, response: string, resolution: string) => `${name}: tanggapan ${response}, tindak lanjut ${resolution}`,
    submit: "Simpan aturan",
    replaceHint: "Aturan yang sudah ada untuk OPD dan kategori yang sama diganti. Tenggat kasus terbuka langsung dihitung ulang.",
    saved: "Aturan disimpan; tenggat kasus terbuka dihitung ulang.",
    empty: "Belum ada aturan: semua kasus memakai bawaan.",
    deleteConfirm: (who: string) => `Hapus aturan ${who}? Kasusnya kembali memakai aturan yang lebih umum.`,
  },
  hours: {
    scope: "Berlaku untuk",
    wholeOrg: "Seluruh Pemda",
    note: "OPD tanpa jam layanan sendiri mengikuti jam Pemda. Tenggat dalam hari dan jam kerja dihitung dengan jam ini, tanpa hari libur nasional, cuti bersama, dan hari libur kota.",
    followsOrg: "OPD ini belum punya jam layanan sendiri dan mengikuti jam Pemda (ditampilkan di bawah). Simpan untuk memberinya jam sendiri.",
    ownWeek: "OPD ini punya jam layanan sendiri.",
    followOrg: "Ikuti jam Pemda",
    followOrgConfirm: "Hapus jam layanan sendiri OPD ini? OPD kembali mengikuti jam Pemda.",
  },
};
