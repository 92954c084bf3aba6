"""Synthetic SENACS structure pages and an SCDL grants file matching the synthetic fiches of generate.py.

Structure `slot` gets the name and département its fiches give it (so pages meet their actions), a
postcode in that département, a valid SIRET derived from the slot, and the page quirks real directories
show (glued name and street, spaced SIRET, a phone number for a website, a bad SIRET now and then, a page
cut off mid-field). Grants rows go to those SIRETs, a tenth to beneficiaries no page describes, a few
without an amount or with a malformed date. Same seed, same files.
"""

from __future__ import annotations

import random
from pathlib import Path

from stdnum import luhn

from csgraph.departements import split_structure
from csgraph.writing import atomic_write

PAGES_PER_FILE = 50
MANAGEMENT = (
    "Associatif",
    "Collectivité locale",
    "Caf (gestion directe)",
    "Autres (dont délégation de gestion)",
)
TERRITORY = ("Un espace à dominante urbaine", "Un espace à dominante rurale", "Un espace mixte")
PRIORITY = (
    "Votre structure est située sur un quartier prioritaire de la Politique de la Ville (QPV)",
    "Vous n'êtes pas concerné par cette question",
    "Votre structure est située à proximité d'un quartier prioritaire",
)
COLUMNS = (
    "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;montant;"
    "nature;conditionsVersement;datesPeriodeVersement;idRAE;notificationUE;pourcentageSubvention"
)


def siret_of(kind: str, number: int) -> str:
    """A valid SIRET (Luhn on the SIREN and on the whole) for structure or funder `number`."""
    siren = f"{(hash_digits(kind) + number) % 10**8:08d}"
    siren += luhn.calc_check_digit(siren)
    whole = f"{siren}{number % 10000:04d}"
    return whole + luhn.calc_check_digit(whole)


def hash_digits(kind: str) -> int:
    return sum(ord(char) * 7919**index for index, char in enumerate(kind)) % 10**8


def postcode_of(code: str, rng: random.Random) -> str:
    if code == "2A":
        return f"20{rng.randint(0, 1)}{rng.randint(0, 9)}0"
    if code == "2B":
        return f"20{rng.randint(2, 6)}{rng.randint(0, 9)}0"
    if len(code) == 3:
        return f"{code}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    return f"{code}{rng.randint(0, 9)}{rng.randint(0, 9)}0"


def page_text(seed: int, slot: int, line: str) -> str:
    rng = random.Random(f"{seed}:page:{slot}")
    name, departement = split_structure(line)
    code = departement.code if departement else "75"
    siret = siret_of("structure", slot)
    if rng.random() < 0.3:
        siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    if rng.random() < 0.02:
        siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    approval = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1970, 2025)}"
    website = f"http://www.centre-{slot}.example.org" if rng.random() < 0.8 else "http://03 21 00 00 00"
    return "\n".join(
        [
            "Informations sur la structure",
            name,
            "Fiche identité",
            "Adresse",
            f"{name}{rng.randint(1, 120)} rue de la Paix",
            f"{postcode_of(code, rng)} Commune {slot}",
            f"Adresse mail contact : accueil@centre-{slot}.example.org",
            f"Site internet : {website}",
            f"Numéro SIRET : {siret}",
            "Historique",
            f"Date du 1er agrément : {approval}",
            f"Population de la zone de compétence : {rng.randint(500, 60000)}",
            "Axes du projet en cours :",
            "- Axe 1 : Soutenir les familles",
            "- Axe 2 :",
            "Mode de gestion",
            f"Mode de gestion de la structure : {rng.choice(MANAGEMENT)}",
            "Territoire d’intervention et géographie prioritaire",
            f"Type de territoire d’intervention : {rng.choice(TERRITORY)}",
            "Taille du territoire d’intervention : Plusieurs quartiers",
            f"Géographie prioritaire : {rng.choice(PRIORITY)}",
            "Adhésion à une fédération",
            f"Adhérent à la Fédération des Centres Sociaux : {rng.choice(('Oui', 'Non'))}",
            "Spécificités de la structure",
            "Structure « gens du voyage » : Non",
            f"Structure multi-sites / éclaté : {rng.choice(('Oui', 'Non'))}",
            "Structure itinérante : Non",
        ]
    )


def write_structure_pages(out_dir: Path, seed: int, lines: list[str]) -> list[Path]:
    """One page per structure line (slot order), PAGES_PER_FILE to a file; the last file is cut mid-field."""
    written = []
    for number, first in enumerate(range(0, len(lines), PAGES_PER_FILE), start=1):
        chunk = lines[first : first + PAGES_PER_FILE]
        heading = "Liste des centres sociaux" if number % 4 else "Liste des espaces de vie sociale"
        text = "\n".join(
            [heading, *(page_text(seed, first + index, line) for index, line in enumerate(chunk))]
        )
        if first + PAGES_PER_FILE >= len(lines):
            text = text[: len(text) - 40]
        else:
            text += "\n"
        path = out_dir / f"structures-{number:04d}.txt"
        with atomic_write(path) as stream:
            stream.write(text.encode("utf-8"))
        written.append(path)
    return written


def write_grants(out_dir: Path, seed: int, structures: int, rows: int) -> Path:
    """`rows` SCDL rows, `;`-separated in Windows-1252 with French decimals, as many publishers write them."""
    rng = random.Random(f"{seed}:grants")
    lines = [COLUMNS]
    for row in range(rows):
        slot = rng.randrange(structures)
        beneficiary = siret_of("structure", slot) if rng.random() < 0.9 else siret_of("other", row)
        funder = rng.randrange(40)
        amount = f"{rng.randint(500, 90000)},{rng.randint(0, 99):02d}" if rng.random() > 0.01 else ""
        when = (
            f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() > 0.01 else "2023-13-01"
        )
        lines.append(
            f"Caisse d'allocations familiales n°{funder};{siret_of('funder', funder)};{when};D-{row};"
            f"Centre {slot};{beneficiary};Animation globale;{amount};aide en numéraire;unique;;;non;0,5"
        )
    path = out_dir / "subventions-synthetiques.csv"
    with atomic_write(path) as stream:
        stream.write(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path
